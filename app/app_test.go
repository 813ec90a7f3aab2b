package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/web"
	"github.com/footfallhq/footfall/store"
)

const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"

type testApp struct {
	*app.App
	srv   *httptest.Server
	admin string // API key of an admin
	user  string // API key of a user owning nothing
	site  store.Site
}

// newTestApp runs a complete app on temporary embedded stores, with the
// batcher running unless noBatcher.
func newTestApp(t *testing.T, noBatcher bool, env ...string) *testApp {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(append([]string{"FOOTFALL_DATA_DIR=" + t.TempDir()}, env...))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.OpenEvents(ctx); err != nil {
		t.Fatal(err)
	}
	deps, err := a.WebDeps(os.DirFS("../assets"))
	if err != nil {
		t.Fatal(err)
	}
	ta := &testApp{App: a, srv: httptest.NewServer(web.New(deps))}
	batchCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	if noBatcher {
		done <- nil
	} else {
		b := a.Batcher()
		b.Interval = 10 * time.Millisecond
		go func() { done <- b.Run(batchCtx, 5*time.Second) }()
	}
	t.Cleanup(func() {
		ta.srv.Close()
		stop()
		if err := <-done; err != nil {
			t.Errorf("batcher: %v", err)
		}
		a.Close()
	})

	admin, err := a.DB.CreateUser(ctx, store.User{Email: "admin@example.com", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.DB.CreateUser(ctx, store.User{Email: "other@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ta.admin = ta.key(t, admin.ID)
	ta.user = ta.key(t, other.ID)
	if ta.site, err = a.DB.CreateSite(ctx, store.Site{Domain: "example.com", TimeZone: "UTC", OwnerID: admin.ID}); err != nil {
		t.Fatal(err)
	}
	return ta
}

// staff2FA turns two-factor sign-in on for a staff user, as the staff
// routes (/api/admin/…) require; the secret is never used by these tests.
func (ta *testApp) staff2FA(t *testing.T, email string) {
	t.Helper()
	ctx := context.Background()
	u, err := ta.DB.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.DB.SetTOTP(ctx, u.ID, []byte("sealed-secret-not-used")); err != nil {
		t.Fatal(err)
	}
	if err := ta.DB.EnableTOTP(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
}

func (ta *testApp) key(t *testing.T, userID int64) string {
	key, prefix, hash := auth.NewAPIKey()
	if _, err := ta.DB.CreateAPIKey(context.Background(), store.APIKey{UserID: userID, Name: "t", Prefix: prefix, Hash: hash, Scopes: store.Scopes}); err != nil {
		t.Fatal(err)
	}
	return key
}

type response struct {
	status int
	header http.Header
	body   string
}

func (ta *testApp) do(t *testing.T, method, path, body string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, ta.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", chromeUA)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

// query asks the stats API and returns the rows.
func (ta *testApp) query(t *testing.T, body string) [][]any {
	t.Helper()
	r := ta.do(t, "POST", "/api/v2/query", body, "Authorization", "Bearer "+ta.admin)
	if r.status != 200 {
		t.Fatalf("query %s = %d %s", body, r.status, r.body)
	}
	var res struct {
		Results []struct {
			Metrics    []float64
			Dimensions []string
		}
	}
	if err := json.Unmarshal([]byte(r.body), &res); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for _, row := range res.Results {
		var out []any
		for _, d := range row.Dimensions {
			out = append(out, d)
		}
		for _, m := range row.Metrics {
			out = append(out, m)
		}
		rows = append(rows, out)
	}
	return rows
}

// waitStored waits until the site has n events stored.
func (ta *testApp) waitStored(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := ta.Events.Count(context.Background(), ta.site.ID, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored %d events, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

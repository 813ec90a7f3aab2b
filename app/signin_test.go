package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/web"
)

// signIn sets the user's password, signs in through the API and returns
// the headers a browser would then send: the session cookie and the CSRF
// token.
func (ta *testApp) signIn(t *testing.T, email string) []string {
	t.Helper()
	ctx := context.Background()
	u, err := ta.DB.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.DB.SetPassword(ctx, u.ID, hash); err != nil {
		t.Fatal(err)
	}
	r := ta.do(t, "POST", "/api/auth/login", `{"email":"`+email+`","password":"correct horse battery"}`, "Content-Type", "application/json")
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &me) != nil || me.CSRFToken == "" {
		t.Fatalf("login %s = %d %s", email, r.status, r.body)
	}
	var cookie string
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "footfall_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" {
		t.Fatalf("login %s set no session cookie: %q", email, r.header.Values("Set-Cookie"))
	}
	return []string{"Cookie", cookie, "X-CSRF-Token", me.CSRFToken, "Content-Type", "application/json"}
}

// TestSessionOnStatsAPI: in the assembled app, a signed-in browser queries
// stats and funnels of its own sites with its cookie and CSRF token; a
// write without the token is refused, and another user's session sees the
// site as missing.
func TestSessionOnStatsAPI(t *testing.T) {
	ta := newTestApp(t, true)
	admin := ta.signIn(t, "admin@example.com")
	other := ta.signIn(t, "other@example.com")
	query := `{"site_id":"example.com","metrics":["visitors"],"date_range":"all"}`
	funnel := `{"site_id":"example.com","date_range":"all","steps":[{"page_path":"/"},{"event_name":"Signup"}]}`

	for _, path := range []string{"/api/v2/query", "/api/v2/funnel"} {
		body := query
		if path == "/api/v2/funnel" {
			body = funnel
		}
		if r := ta.do(t, "POST", path, body, admin...); r.status != http.StatusOK {
			t.Errorf("POST %s with the owner's session = %d %s, want 200", path, r.status, r.body)
		}
		noCSRF := admin[:2:2]
		if r := ta.do(t, "POST", path, body, append(noCSRF, "Content-Type", "application/json")...); r.status != http.StatusForbidden || !strings.Contains(r.body, `"csrf"`) {
			t.Errorf("POST %s with the session, no CSRF token = %d %s, want 403 csrf", path, r.status, r.body)
		}
		if r := ta.do(t, "POST", path, body, other...); r.status != http.StatusNotFound || !strings.Contains(r.body, "site_not_found") {
			t.Errorf("POST %s with another user's session = %d %s, want 404 site_not_found", path, r.status, r.body)
		}
	}
	if r := ta.do(t, "GET", "/api/v1/sites", "", admin[:2]...); r.status != http.StatusOK || !strings.Contains(r.body, "example.com") {
		t.Errorf("GET /api/v1/sites with the owner's session = %d %s", r.status, r.body)
	}
	// API keys work as before, without any CSRF token.
	if r := ta.do(t, "POST", "/api/v2/query", query, "Authorization", "Bearer "+ta.admin); r.status != http.StatusOK {
		t.Errorf("POST /api/v2/query with a key = %d %s", r.status, r.body)
	}
	// Setup is over: the instance has users.
	if r := ta.do(t, "POST", "/api/auth/setup", `{"email":"x@example.com","password":"correct horse battery"}`, "Content-Type", "application/json"); r.status != http.StatusConflict {
		t.Errorf("POST /api/auth/setup with users = %d %s, want 409", r.status, r.body)
	}
}

// TestSetupLink: on a fresh instance with a public base URL, the setup
// link the server logs carries the token that setup accepts, and only it.
func TestSetupLink(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir(), "FOOTFALL_BASE_URL=https://stats.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.OpenEvents(ctx); err != nil {
		t.Fatal(err)
	}
	deps, err := a.WebDeps(os.DirFS("../assets"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(deps))
	t.Cleanup(srv.Close)

	link, err := url.Parse(a.SetupURL(deps.SecretKey))
	if err != nil || link.Host != "stats.example.com" || link.Path != "/setup" || link.Query().Get("token") == "" {
		t.Fatalf("SetupURL = %v, %v; want https://stats.example.com/setup?token=…", link, err)
	}
	setup := func(token string) int {
		body := `{"email":"owner@example.com","password":"correct horse battery","token":"` + token + `"}`
		res, err := http.Post(srv.URL+"/api/auth/setup", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := setup(""); got != http.StatusForbidden {
		t.Errorf("setup without the token = %d, want 403", got)
	}
	if got := setup(link.Query().Get("token")); got != http.StatusOK {
		t.Errorf("setup with the logged token = %d, want 200", got)
	}
	if users, err := a.DB.ListUsers(ctx); err != nil || len(users) != 1 || !users[0].Admin {
		t.Errorf("users after setup = %v, %v; want one admin", users, err)
	}
	// Another start keeps the same secret key, so the same link.
	again, err := a.SecretKey()
	if err != nil || a.SetupURL(again) != link.String() {
		t.Errorf("SetupURL after reading the key again = %q, want %q", a.SetupURL(again), link)
	}
}

// TestSessionsListDescribes: the sessions list names the browser and the
// country it signed in from, and stores no address.
func TestSessionsListDescribes(t *testing.T) {
	ta := newTestApp(t, true)
	ctx := context.Background()
	u, err := ta.DB.UserByEmail(ctx, "other@example.com")
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword("correct horse battery")
	if err := ta.DB.SetPassword(ctx, u.ID, hash); err != nil {
		t.Fatal(err)
	}
	// The test server's peer is loopback, a trusted proxy by default, so
	// X-Forwarded-For is believed.
	r := ta.do(t, "POST", "/api/auth/login", `{"email":"other@example.com","password":"correct horse battery"}`,
		"Content-Type", "application/json", "X-Forwarded-For", "81.2.69.142")
	if r.status != http.StatusOK {
		t.Fatalf("login = %d %s", r.status, r.body)
	}
	list, err := ta.DB.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListSessions = %v, %v", list, err)
	}
	s := list[0]
	if s.UserAgent != "Chrome 142 on Windows 10" || s.Location != "GB" {
		t.Errorf("session described as %q from %q, want \"Chrome 142 on Windows 10\" from \"GB\"", s.UserAgent, s.Location)
	}
	if strings.Contains(s.UserAgent+s.Location, "81.2.69") {
		t.Errorf("session stores the address: %+v", s)
	}
}

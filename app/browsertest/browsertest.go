// Package browsertest is the kit for tests that drive a real browser:
// Debian's Chromium, headless, through chromedp, against a complete
// Footfall app on a loopback port. The tracker's tests live here; the
// dashboard's reuse the kit.
//
// Tests find Chromium through FOOTFALL_TEST_CHROMIUM (a path) or PATH and
// are skipped without it, except under CI=true, where a missing browser
// fails them (DESIGN §9).
package browsertest

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	_ "github.com/duckdb/duckdb-go/v2" // the events file is read back with SQL

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/web"
	"github.com/footfallhq/footfall/store"
)

// HumanUA is the user agent of a desktop Chrome: tests that act as a
// person set it, since headless Chromium announces itself as HeadlessChrome
// and the bot filter drops that.
const HumanUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"

// Chromium returns the path of the browser to drive: FOOTFALL_TEST_CHROMIUM,
// else chromium, chromium-browser or google-chrome from PATH. Without one
// it skips the test, or fails it when CI=true.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("FOOTFALL_TEST_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("FOOTFALL_TEST_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium: set FOOTFALL_TEST_CHROMIUM or install it (apt-get install -y chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (required under CI=true)")
	}
	t.Skip(msg)
	return ""
}

// Options shape a browser.
type Options struct {
	// Human hides automation: a desktop Chrome user agent and no
	// navigator.webdriver. Without it Chromium is as headless as it comes.
	Human bool
	// Width and Height of the window; 0 means 1280×800.
	Width, Height int
}

// Browser starts a headless Chromium for the test and returns the context
// of its first tab; the browser ends with the test.
func Browser(t testing.TB, o Options) context.Context {
	t.Helper()
	if o.Width == 0 {
		o.Width, o.Height = 1280, 800
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.WindowSize(o.Width, o.Height),
		chromedp.Flag("no-sandbox", true), // tests run as root in CI containers
		chromedp.Flag("disable-gpu", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	if o.Human {
		opts = append(opts,
			chromedp.UserAgent(HumanUA),
			chromedp.Flag("disable-blink-features", "AutomationControlled"),
		)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, which lives as long as the
	// context of that call: no deadline on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", Chromium(t), err)
	}
	return ctx
}

// Do runs actions in the tab with a deadline, failing the test on error.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression in the tab and returns its value,
// failing the test on error.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// Footfall is a complete app (embedded stores in a temporary directory,
// batcher running) served on a loopback port.
type Footfall struct {
	App   *app.App
	URL   string
	Sites map[string]store.Site // by domain

	dir      string
	events   atomic.Int64 // POST /api/event requests received
	srv      *httptest.Server
	stop     context.CancelFunc
	batching chan error
	closed   bool
}

// StartFootfall runs a Footfall app with a site for each domain
// (example.com when none is given). assetsDir is the repository's
// assets/ directory, relative to the test.
func StartFootfall(t testing.TB, assetsDir string, domains ...string) *Footfall {
	t.Helper()
	return StartFootfallEnv(t, assetsDir, nil, domains...)
}

// StartFootfallEnv is StartFootfall with more configuration: env holds
// NAME=value settings (FOOTFALL_SMTP_URL=…) added to the data directory.
func StartFootfallEnv(t testing.TB, assetsDir string, env []string, domains ...string) *Footfall {
	t.Helper()
	return StartFootfallWith(t, assetsDir, env, nil, domains...)
}

// StartFootfallWith is StartFootfallEnv with prepare, if not nil, called
// on the app before its handler is built (to replace a.Billing, say).
func StartFootfallWith(t testing.TB, assetsDir string, env []string, prepare func(*app.App), domains ...string) *Footfall {
	t.Helper()
	if len(domains) == 0 {
		domains = []string{"example.com"}
	}
	ctx := context.Background()
	f := &Footfall{dir: t.TempDir(), Sites: map[string]store.Site{}}
	cfg, err := config.Load(append([]string{"FOOTFALL_DATA_DIR=" + f.dir}, env...))
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
	f.App = a
	if err := a.OpenEvents(ctx); err != nil {
		a.Close()
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(a)
	}
	deps, err := a.WebDeps(os.DirFS(assetsDir))
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	h := web.New(deps)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/event" {
			f.events.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	f.URL = f.srv.URL
	bctx, stop := context.WithCancel(ctx)
	f.stop, f.batching = stop, make(chan error, 1)
	b := a.Batcher()
	b.Interval = 10 * time.Millisecond
	go func() { f.batching <- b.Run(bctx, 5*time.Second) }()
	t.Cleanup(func() { f.close(t) })

	owner, err := a.DB.CreateUser(ctx, store.User{Email: "owner@example.com", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	// Created as `footfall user create` does: confirmed, so no banner asks
	// the owner to confirm an address no mail was sent to.
	if err := a.DB.SetEmailVerified(ctx, owner.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, d := range domains {
		if f.Sites[d], err = a.DB.CreateSite(ctx, store.Site{Domain: d, TimeZone: "UTC", OwnerID: owner.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *Footfall) close(t testing.TB) {
	if f.closed {
		return
	}
	f.closed = true
	f.srv.Close()
	f.stop()
	if err := <-f.batching; err != nil {
		t.Errorf("batcher: %v", err)
	}
	if err := f.App.Close(); err != nil {
		t.Errorf("close app: %v", err)
	}
}

// Requests is the number of POST /api/event requests received so far,
// stored or not.
func (f *Footfall) Requests() int64 { return f.events.Load() }

// WaitStored waits until the site of domain has at least n events stored
// (engagement reports included) and returns how many it has.
func (f *Footfall) WaitStored(t testing.TB, domain string, n int64) int64 {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := f.App.Events.Count(context.Background(), f.Sites[domain].ID, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("site %s: %d events stored, want %d", domain, got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Row is a stored event as the events table holds it; measurements not
// stored (NULL) read as -1.
type Row struct {
	Site                          int64
	Name, Hostname, Pathname      string
	EntryPage, Source             string
	Browser, Device, Screen       string
	Props                         string // DuckDB's text form, e.g. {plan=pro}; "" for none
	Revenue                       float64
	Currency                      string
	VisitorID, SessionID          uint64
	EngagementMS, ScrollDepth     int64
	LCP, INP, FCP, TTFB           int64
	CLS                           float64
	DNS, Connect, TLS, Response   int64
	DOM, Load, TransferBytes      int64
	TimestampMS                   int64
	ReferrerHost, UTMSourceColumn string
}

// Rows stops the app and reads every event row from its DuckDB file, in
// the order stored (time, then arrival). Call it once the test has seen
// everything it expects stored (WaitStored).
func (f *Footfall) Rows(t testing.TB) []Row {
	t.Helper()
	f.close(t)
	db, err := sql.Open("duckdb", filepath.Join(f.dir, "events.duckdb")+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT site_id, name, hostname, pathname, entry_page, source, browser, device, screen,
		coalesce(CAST(props AS VARCHAR), ''), coalesce(CAST(revenue_amount AS DOUBLE), 0), coalesce(revenue_currency, ''),
		visitor_id, session_id,
		coalesce(engagement_ms, -1), coalesce(scroll_depth, -1),
		coalesce(lcp_ms, -1), coalesce(inp_ms, -1), coalesce(fcp_ms, -1), coalesce(ttfb_ms, -1), coalesce(CAST(cls AS DOUBLE), -1),
		coalesce(dns_ms, -1), coalesce(connect_ms, -1), coalesce(tls_ms, -1), coalesce(response_ms, -1),
		coalesce(dom_ms, -1), coalesce(load_ms, -1), coalesce(transfer_bytes, -1), ts, referrer, utm_source
		FROM events ORDER BY ts, rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.Site, &r.Name, &r.Hostname, &r.Pathname, &r.EntryPage, &r.Source, &r.Browser, &r.Device, &r.Screen,
			&r.Props, &r.Revenue, &r.Currency, &r.VisitorID, &r.SessionID, &r.EngagementMS, &r.ScrollDepth,
			&r.LCP, &r.INP, &r.FCP, &r.TTFB, &r.CLS, &r.DNS, &r.Connect, &r.TLS, &r.Response, &r.DOM, &r.Load, &r.TransferBytes,
			&r.TimestampMS, &r.ReferrerHost, &r.UTMSourceColumn); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

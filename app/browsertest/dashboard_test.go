package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/app/seed"
	"github.com/footfallhq/footfall/app/web"
	"github.com/footfallhq/footfall/store"
)

const (
	ownerEmail    = "owner@example.com"
	ownerPassword = "correct horse battery staple"
)

// artifacts is where screenshots go: .ci/artifacts/ at the repository's
// root, which CI keeps and git ignores.
func artifacts(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", ".ci", "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// seeded starts Footfall with example.com filled by the seeder through the
// real ingest pipeline, and gives the owner a password.
func seeded(t *testing.T, events, days int) *Footfall {
	t.Helper()
	f := StartFootfall(t, assets, "example.com")
	ctx := t.Context()
	n, err := seed.Run(ctx, f.App.Ingester, seed.Options{Site: "example.com", Events: events, Days: days})
	if err != nil {
		t.Fatal(err)
	}
	f.WaitStored(t, "example.com", int64(n))
	for _, g := range []store.Goal{{Name: "Signup", EventName: "Signup"}, {Name: "Visit /pricing", Page: "/pricing"}} {
		if _, err := f.App.DB.CreateGoal(ctx, store.SiteGoal{SiteID: f.Sites["example.com"].ID, Goal: g}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.App.DB.CreateFunnel(ctx, store.Funnel{SiteID: f.Sites["example.com"].ID, Name: "Purchase",
		Steps: []store.Goal{{Name: "Visit /", Page: "/"}, {Name: "Visit /pricing", Page: "/pricing"}, {Name: "Purchase", EventName: "Purchase"}}}); err != nil {
		t.Fatal(err)
	}
	// A running server rolls settled days up at start and hourly: the
	// dashboard is tested (and timed) on the data as it serves it.
	if err := f.App.Rollup(ctx); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.App.DB.SetPassword(ctx, f.Sites["example.com"].OwnerID, hash); err != nil {
		t.Fatal(err)
	}
	return f
}

// pageErrors records what the page reports as broken: console errors,
// uncaught exceptions and failed loads.
type pageErrors struct {
	mu   sync.Mutex
	list []string
}

func watchErrors(t *testing.T, tab context.Context) *pageErrors {
	t.Helper()
	pe := &pageErrors{}
	if err := chromedp.Listen(tab, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				msg = "console." + string(e.Type) + ": " + strings.Join(parts, " ")
			}
		case *runtime.EventExceptionThrown:
			msg = "exception: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			// The API's refusals (401 before sign-in, 404 for an unknown
			// site) are answers the page handles, not breakage.
			api := e.Entry.Source == log.EntrySourceNetwork && strings.Contains(e.Entry.URL, "/api/")
			if e.Entry.Level == log.EntryLevelError && !api {
				msg = "log: " + e.Entry.Text + " " + e.Entry.URL
			}
		}
		if msg != "" {
			pe.mu.Lock()
			pe.list = append(pe.list, msg)
			pe.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, runtime.Enable, struct{}{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, log.Enable, struct{}{}); err != nil {
		t.Fatal(err)
	}
	return pe
}

func (pe *pageErrors) check(t *testing.T) {
	t.Helper()
	pe.mu.Lock()
	defer pe.mu.Unlock()
	for _, m := range pe.list {
		t.Errorf("page error: %s", m)
	}
	pe.list = nil
}

// waitFor polls a JavaScript condition until it is true.
func waitFor(t *testing.T, tab context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(tab, chromedp.Location())
			body, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText.slice(0, 600)`))
			t.Fatalf("waiting for %s (%s) at %s: %v\npage text: %s", what, js, loc, err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dashboardLoaded is true when the top stats, the chart and every panel
// show their data.
const dashboardLoaded = `document.querySelector('main.dashboard[data-ready=true]') !== null &&
	document.querySelectorAll('.panel').length >= 5 &&
	document.querySelectorAll('.panel .skeleton, .top-stats .skeleton').length === 0`

// signIn goes to path signed out, is sent to the sign-in page, signs in as
// the owner and lands back on path.
func signIn(t *testing.T, tab context.Context, f *Footfall, path string) {
	t.Helper()
	Do(t, tab, chromedp.Navigate(f.URL+path))
	waitFor(t, tab, "the sign-in form", `location.pathname === '/login' && document.querySelector('form input[name=email]') !== null`)
	if got := Eval[string](t, tab, `new URLSearchParams(location.search).get('next')`); got != path {
		t.Errorf("sign-in next = %q, want %q", got, path)
	}
	// A wrong password is refused in words, and the form stays.
	Do(t, tab,
		chromedp.SendKeys(`input[name=email]`, ownerEmail),
		chromedp.SendKeys(`input[name=password]`, "not the password"),
		chromedp.Click(`button[type=submit]`),
	)
	waitFor(t, tab, "the refusal", `document.querySelector('.error') !== null`)
	if msg := Eval[string](t, tab, `document.querySelector('.error').innerText`); !strings.Contains(msg, "do not match") {
		t.Errorf("wrong password shows %q", msg)
	}
	Eval[bool](t, tab, `(() => { const p = document.querySelector('input[name=password]'); p.value = ''; return p.dispatchEvent(new Event('input', {bubbles: true})) })()`)
	Do(t, tab,
		chromedp.SendKeys(`input[name=password]`, ownerPassword),
		chromedp.Click(`button[type=submit]`),
	)
	waitFor(t, tab, "the page after sign-in", fmt.Sprintf(`location.pathname + location.search === %q`, path))
}

// apiQuery answers a stats query as the API does for the owner.
func apiQuery(t *testing.T, f *Footfall, body string) query.Response {
	t.Helper()
	res, err := f.App.Stats.Run(t.Context(), []byte(body), func(store.Site) bool { return true })
	if err != nil {
		t.Fatalf("query %s: %v", body, err)
	}
	return res
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

var topMetrics = []string{"visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"}

// checkTopStats compares the top stats and their changes with the API's
// answer for the same range and filters.
func checkTopStats(t *testing.T, tab context.Context, f *Footfall, dateRange string, filters [][]any) {
	t.Helper()
	checkTopStatsVs(t, tab, f, dateRange, filters, map[string]any{"mode": "previous_period"})
}

// checkTopStatsVs is checkTopStats with the changes against comparison
// (the API's include.comparisons).
func checkTopStatsVs(t *testing.T, tab context.Context, f *Footfall, dateRange string, filters [][]any, comparison map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"site_id": "example.com", "metrics": topMetrics, "date_range": json.RawMessage(dateRange), "filters": filters,
		"include": map[string]any{"comparisons": comparison},
	})
	if err != nil {
		t.Fatal(err)
	}
	res := apiQuery(t, f, string(body))
	shown := Eval[map[string][2]string](t, tab, `Object.fromEntries([...document.querySelectorAll('.top-stats .stat')].map(
		(b) => [b.dataset.metric, [b.dataset.value, (b.querySelector('[data-change]') || {dataset: {change: ''}}).dataset.change]]))`)
	for i, m := range topMetrics {
		want, wantChange := 0.0, ""
		if len(res.Results) > 0 {
			want = res.Results[0].Metrics[i]
			if c := res.Results[0].Comparison; c != nil {
				wantChange = strconv.FormatFloat(c.Change[i], 'g', -1, 64)
			}
		}
		got, err := strconv.ParseFloat(shown[m][0], 64)
		if err != nil || !near(got, want) {
			t.Errorf("top stat %s (range %s, filters %v) = %q, API says %v", m, dateRange, filters, shown[m][0], want)
		}
		if gotChange, _ := strconv.ParseFloat(shown[m][1], 64); wantChange != "" && !near(gotChange, res.Results[0].Comparison.Change[i]) {
			t.Errorf("top stat %s change = %q, API says %s", m, shown[m][1], wantChange)
		}
	}
}

type panelTab struct {
	group, tab string
	dims       []string
	hideEmpty  bool     // rows without a value are left out
	exclude    []string // values never shown
}

var panelTabs = []panelTab{
	{"pages", "pages", []string{"event:page"}, false, nil}, {"pages", "entry", []string{"visit:entry_page"}, false, nil}, {"pages", "exit", []string{"visit:exit_page"}, false, nil},
	{"sources", "channels", []string{"visit:channel"}, false, nil}, {"sources", "sources", []string{"visit:source"}, false, nil}, {"sources", "referrers", []string{"visit:referrer"}, true, nil},
	{"sources", "utm_source", []string{"visit:utm_source"}, true, nil}, {"sources", "utm_medium", []string{"visit:utm_medium"}, true, nil}, {"sources", "utm_campaign", []string{"visit:utm_campaign"}, true, nil},
	{"locations", "countries", []string{"visit:country", "visit:country_name"}, false, nil}, {"locations", "regions", []string{"visit:region"}, true, nil}, {"locations", "cities", []string{"visit:city"}, true, nil},
	{"devices", "browsers", []string{"visit:browser"}, false, nil}, {"devices", "os", []string{"visit:os"}, false, nil}, {"devices", "devices", []string{"visit:device"}, false, nil},
	{"devices", "screens", []string{"visit:screen"}, true, nil},
	{"goals", "goals", []string{"event:goal"}, false, nil}, {"goals", "events", []string{"event:name"}, false, []string{"pageview", "engagement"}},
}

// checkPanel opens a panel's tab and compares its rows with the API's.
func checkPanel(t *testing.T, tab context.Context, f *Footfall, p panelTab, dateRange string, filters [][]any) {
	t.Helper()
	sel := fmt.Sprintf(`.panel[data-panel=%s]`, p.group)
	Do(t, tab, chromedp.Click(fmt.Sprintf(`%s .tab:nth-child(%d)`, sel, tabIndex(p)+1)))
	waitFor(t, tab, p.tab+" rows", fmt.Sprintf(`document.querySelector('%s .panel-body[data-tab=%s]') !== null && document.querySelector('%s .skeleton') === null`, sel, p.tab, sel))
	want := panelRows(t, f, p.dims, dateRange, filters, p.hideEmpty, p.exclude)
	got := Eval[[]string](t, tab, fmt.Sprintf(`[...document.querySelectorAll('%s .rows li')].map((li) => li.dataset.value + '=' + li.dataset.visitors)`, sel))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("panel %s/%s (range %s, filters %v) shows\n%s\nAPI says\n%s", p.group, p.tab, dateRange, filters, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// panelRows is what the API says a panel shows: the top 9 values by
// visitors, as "value=visitors".
func panelRows(t *testing.T, f *Footfall, dims []string, dateRange string, filters [][]any, hideEmpty bool, exclude []string) []string {
	t.Helper()
	all := append([][]any{}, filters...)
	if hideEmpty {
		all = append(all, []any{"is_not", dims[0], []string{""}})
	}
	if exclude != nil {
		all = append(all, []any{"is_not", dims[0], exclude})
	}
	body, err := json.Marshal(map[string]any{
		"site_id": "example.com", "metrics": []string{"visitors"}, "date_range": json.RawMessage(dateRange),
		"dimensions": dims, "filters": all, "order_by": [][]string{{"visitors", "desc"}}, "pagination": map[string]int{"limit": 9},
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range apiQuery(t, f, string(body)).Results {
		rows = append(rows, fmt.Sprintf("%s=%v", r.Dimensions[0], r.Metrics[0]))
	}
	return rows
}

func tabIndex(p panelTab) int {
	i := 0
	for _, q := range panelTabs {
		if q.group == p.group {
			if q.tab == p.tab {
				return i
			}
			i++
		}
	}
	return -1
}

// TestDashboard signs in, and checks every number of the dashboard of a
// seeded site against the stats API, then filtering by a click, the URL
// round trip, keyboard shortcuts, the sites list and phone width.
func TestDashboard(t *testing.T) {
	f := seeded(t, 6000, 30)
	tab := Browser(t, Options{Width: 1280, Height: 900})
	pe := watchErrors(t, tab)

	signIn(t, tab, f, "/example.com")
	waitFor(t, tab, "the dashboard", dashboardLoaded)
	checkTopStats(t, tab, f, `"30d"`, nil)
	fr, err := f.App.Stats.RunFunnel(t.Context(), []byte(`{"site_id":"example.com","date_range":"30d","funnel":"Purchase"}`), func(store.Site) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	var wantSteps []string
	for _, st := range fr.Steps {
		wantSteps = append(wantSteps, strconv.FormatInt(st.Visitors, 10))
	}
	if got := Eval[[]string](t, tab, `[...document.querySelectorAll('.funnel li')].map((li) => li.dataset.visitors)`); strings.Join(got, ",") != strings.Join(wantSteps, ",") {
		t.Errorf("funnel steps show %v visitors, API says %v", got, wantSteps)
	}
	if n := Eval[string](t, tab, `(document.querySelector('.live[data-live]') || {dataset: {}}).dataset.live`); n == "" {
		t.Errorf("no current visitors shown")
	}
	for _, p := range panelTabs {
		checkPanel(t, tab, f, p, `"30d"`, nil)
	}
	checkDetails(t, tab, f)

	// Panel tabs are part of the URL; put them back to the defaults.
	for _, g := range []string{"pages", "sources", "locations", "devices", "goals"} {
		Do(t, tab, chromedp.Click(fmt.Sprintf(`.panel[data-panel=%s] .tab:nth-child(1)`, g)))
	}
	if loc := Eval[string](t, tab, `location.search`); loc != "" {
		t.Errorf("default view has query string %q, want none", loc)
	}
	Do(t, tab, chromedp.Sleep(300*time.Millisecond)) // the chart draws after its data arrives
	shot(t, tab, "dashboard-desktop")
	pe.check(t)

	// Signing in again elsewhere in this browser replaces the session and
	// with it the CSRF token this page holds: the page fetches the new one
	// and carries on.
	status, err := chromedp.Run(tab, chromedp.Evaluate[int](fmt.Sprintf(`fetch('/api/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({email: %q, password: %q})}).then((r) => r.status)`, ownerEmail, ownerPassword), chromedp.EvalAwaitPromise))
	if err != nil || status != 200 {
		t.Fatalf("second sign-in = %d, %v", status, err)
	}

	// Clicking a country filters everything by it.
	country := Eval[string](t, tab, `document.querySelector('.panel[data-panel=locations] .rows li').dataset.value`)
	Do(t, tab, chromedp.Click(`.panel[data-panel=locations] .rows li button`))
	waitFor(t, tab, "the filter chip", fmt.Sprintf(`document.querySelector('.chip[data-filter="visit:country|%s"]') !== null`, country))
	waitFor(t, tab, "the filtered dashboard", dashboardLoaded)
	filters := [][]any{{"is", "visit:country", []string{country}}}
	if got, want := Eval[string](t, tab, `new URLSearchParams(location.search).get('f')`), "is|visit:country|"+country; got != want {
		t.Errorf("URL filter = %q, want %q", got, want)
	}
	checkTopStats(t, tab, f, `"30d"`, filters)
	for _, p := range []panelTab{panelTabs[0], panelTabs[3], panelTabs[12], panelTabs[16]} {
		checkPanel(t, tab, f, p, `"30d"`, filters)
	}
	// A browser breaks down into its versions.
	browser := Eval[string](t, tab, `document.querySelector('.panel[data-panel=devices] .rows li').dataset.value`)
	Do(t, tab, chromedp.Click(`.panel[data-panel=devices] .rows li button`))
	waitFor(t, tab, "the browser chip", fmt.Sprintf(`document.querySelector('.chip[data-filter="visit:browser|%s"]') !== null`, browser))
	waitFor(t, tab, "the versions", dashboardLoaded)
	withBrowser := append(filters, []any{"is", "visit:browser", []string{browser}})
	checkTopStats(t, tab, f, `"30d"`, withBrowser)
	want := panelRows(t, f, []string{"visit:browser_version"}, `"30d"`, withBrowser, false, nil)
	got := Eval[[]string](t, tab, `[...document.querySelectorAll('.panel[data-panel=devices] .rows li')].map((li) => li.dataset.value + '=' + li.dataset.visitors)`)
	if len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("browser versions of %s show\n%s\nAPI says\n%s", browser, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if label := Eval[string](t, tab, `document.querySelector('.panel[data-panel=devices] .rows .row-label').innerText`); !strings.HasPrefix(label, browser+" ") {
		t.Errorf("version row label = %q, want it to name %s", label, browser)
	}
	Do(t, tab, chromedp.Click(fmt.Sprintf(`.chip[data-filter="visit:browser|%s"] button[aria-label^=Remove]`, browser)))
	waitFor(t, tab, "the browser chip gone", `document.querySelectorAll('.chip').length === 1`)

	// Keyboard: 7 picks the last 7 days, the left arrow the 7 before them,
	// and the comparison overlay is switched on.
	Do(t, tab, chromedp.KeyEvent("7"))
	waitFor(t, tab, "the 7-day view", `new URLSearchParams(location.search).get('period') === '7d'`)
	waitFor(t, tab, "the 7-day dashboard", dashboardLoaded)
	checkTopStats(t, tab, f, `"7d"`, filters)
	Do(t, tab, chromedp.KeyEvent(kb.ArrowLeft))
	today := time.Now().UTC()
	from, to := today.AddDate(0, 0, -14).Format(time.DateOnly), today.AddDate(0, 0, -8).Format(time.DateOnly)
	waitFor(t, tab, "the previous 7 days", fmt.Sprintf(`location.search.includes('period=custom') && location.search.includes('from=%s') && location.search.includes('to=%s')`, from, to))
	setField(t, tab, `.compare select`, "previous", "change")
	waitFor(t, tab, "the comparison", `location.search.includes('compare=previous')`)
	waitFor(t, tab, "the custom-range dashboard", dashboardLoaded)
	rng := fmt.Sprintf(`[%q,%q]`, from, to)
	checkTopStats(t, tab, f, rng, filters)
	checkPanel(t, tab, f, panelTabs[9], rng, filters)
	if n := Eval[int](t, tab, `document.querySelectorAll('.chart .u-series').length`); n != 3 {
		t.Errorf("chart with comparison has %d series (x included), want 3", n)
	}

	// The URL alone brings the same view back.
	view := Eval[string](t, tab, `location.pathname + location.search`)
	Do(t, tab, chromedp.Navigate("about:blank"), chromedp.Navigate(f.URL+view))
	waitFor(t, tab, "the reloaded view", dashboardLoaded)
	if got := Eval[string](t, tab, `location.pathname + location.search`); got != view {
		t.Errorf("reloaded %s, now at %s", view, got)
	}
	if got := Eval[bool](t, tab, fmt.Sprintf(`document.querySelector('.chip[data-filter="visit:country|%s"]') !== null && document.querySelector('.compare select').value === 'previous' && document.querySelector('#period').value === 'custom'`, country)); !got {
		t.Errorf("reloaded view lost its filter, comparison or range")
	}
	checkTopStats(t, tab, f, rng, filters)

	// Removing the chip removes the filter.
	Do(t, tab, chromedp.Click(`.chip button[aria-label^=Remove]`))
	waitFor(t, tab, "no filter", `document.querySelector('.chip') === null && !location.search.includes('f=')`)
	waitFor(t, tab, "the unfiltered dashboard", dashboardLoaded)
	checkTopStats(t, tab, f, rng, nil)

	// r: the realtime view, the last 30 minutes. Seeded events only age out
	// of it, so what it shows lies between two API answers around it.
	realtime := func() float64 {
		r := apiQuery(t, f, `{"site_id":"example.com","metrics":["visitors"],"date_range":"realtime"}`)
		if len(r.Results) == 0 {
			return 0
		}
		return r.Results[0].Metrics[0]
	}
	pre := realtime()
	Do(t, tab, chromedp.KeyEvent("r"))
	waitFor(t, tab, "the realtime view", `new URLSearchParams(location.search).get('period') === 'realtime' && document.querySelector('.realtime-note') !== null`)
	waitFor(t, tab, "the realtime dashboard", dashboardLoaded)
	shown, err := strconv.ParseFloat(Eval[string](t, tab, `document.querySelector('.stat[data-metric=visitors]').dataset.value`), 64)
	if post := realtime(); err != nil || shown > pre || shown < post {
		t.Errorf("realtime visitors = %v (%v), API said %v before and %v after", shown, err, pre, post)
	}
	Do(t, tab, chromedp.NavigateBack())
	waitFor(t, tab, "back to the custom range", fmt.Sprintf(`location.search.includes('from=%s')`, from))
	waitFor(t, tab, "the custom range again", dashboardLoaded)
	checkTopStats(t, tab, f, rng, nil)

	// The filter dialog: any dimension and condition; the condition of a
	// chip negates with a click.
	Do(t, tab, chromedp.Click(`.chips .button`))
	waitFor(t, tab, "the filter dialog", `document.querySelector('dialog.filter-dialog[open] select[name=dimension]') !== null`)
	setField(t, tab, `dialog select[name=dimension]`, "event:page", "change")
	setField(t, tab, `dialog select[name=operator]`, "contains", "change")
	Do(t, tab, chromedp.SendKeys(`dialog input[name=value]`, "doc"), chromedp.Click(`dialog button[type=submit]`))
	waitFor(t, tab, "the contains chip", `document.querySelector('.chip[data-filter="event:page|doc"][data-op=contains]') !== null && !document.querySelector('dialog[open]')`)
	waitFor(t, tab, "the page-filtered dashboard", dashboardLoaded)
	checkTopStats(t, tab, f, rng, [][]any{{"contains", "event:page", []string{"doc"}}})
	Do(t, tab, chromedp.Click(`.chip .op`))
	waitFor(t, tab, "the negated chip", `document.querySelector('.chip[data-filter="event:page|doc"][data-op=contains_not]') !== null`)
	waitFor(t, tab, "the negated dashboard", dashboardLoaded)
	checkTopStats(t, tab, f, rng, [][]any{{"contains_not", "event:page", []string{"doc"}}})
	checkPanel(t, tab, f, panelTabs[0], rng, [][]any{{"contains_not", "event:page", []string{"doc"}}})
	Do(t, tab, chromedp.Click(`.chip button[aria-label^=Remove]`))
	waitFor(t, tab, "no filter", `document.querySelector('.chip') === null`)

	// The performance page, with the same period.
	Do(t, tab, chromedp.Click(`.site-nav a[href^="/example.com/performance"]`))
	waitFor(t, tab, "the performance page", `location.pathname === '/example.com/performance' && document.querySelector('main.performance[data-ready=true]') !== null &&
		document.querySelectorAll('.performance .skeleton').length === 0`)
	if got := Eval[string](t, tab, `location.search`); !strings.Contains(got, "from="+from) {
		t.Errorf("performance page lost the period: %s", got)
	}
	checkPerformance(t, tab, f, rng)
	shot(t, tab, "performance-desktop")
	Do(t, tab, chromedp.Click(`.vitals .stat[data-vital=inp]`))
	waitFor(t, tab, "the INP chart", `location.search.includes('vital=inp') && document.querySelector('.chart-card h2').innerText.startsWith('Interaction') &&
		document.querySelector('.chart-card .skeleton') === null && document.querySelector('.chart .u-series') !== null`)
	if n := Eval[int](t, tab, `document.querySelectorAll('.chart .u-series').length`); n != 4 {
		t.Errorf("vital chart has %d series (x included), want 4: p75 and the two thresholds", n)
	}

	// The sites list shows last month's visitors.
	Do(t, tab, chromedp.Click(`.topbar nav a[href="/sites"]`))
	waitFor(t, tab, "the sites list", `document.querySelector('.site-card[data-site="example.com"] .site-visitors') !== null`)
	visitors := apiQuery(t, f, `{"site_id":"example.com","metrics":["visitors"],"date_range":"30d"}`).Results[0].Metrics[0]
	if got := Eval[string](t, tab, `document.querySelector('.site-card[data-site="example.com"] .site-visitors').innerText`); got != formatCount(visitors) {
		t.Errorf("sites list shows %q visitors, API says %v", got, visitors)
	}
	shot(t, tab, "sites-desktop")
	pe.check(t)

	// A phone: nothing wider than the screen.
	// Chromium keeps a window at least 500 px wide: the phone's viewport is
	// emulated.
	phone := Browser(t, Options{Width: 500, Height: 780})
	Do(t, phone, chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	ppe := watchErrors(t, phone)
	signIn(t, phone, f, "/example.com")
	waitFor(t, phone, "the phone dashboard", dashboardLoaded)
	Do(t, phone, chromedp.Sleep(300*time.Millisecond))
	if w := Eval[int](t, phone, `innerWidth`); w != 360 {
		t.Errorf("phone viewport is %d px wide, want 360", w)
	}
	if w := Eval[int](t, phone, `document.documentElement.scrollWidth`); w > 360 {
		wide := Eval[[]string](t, phone, `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 361).slice(0, 5).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`)
		t.Errorf("at 360 px the page is %d px wide; wider elements: %v", w, wide)
	}
	shot(t, phone, "dashboard-phone")
	// Dark, when the system is: the page background follows.
	light := Eval[string](t, phone, `getComputedStyle(document.body).backgroundColor`)
	if _, err := chromedp.Call(phone, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	Do(t, phone, chromedp.Sleep(300*time.Millisecond)) // the chart redraws in the dark colours
	if dark := Eval[string](t, phone, `getComputedStyle(document.body).backgroundColor`); dark == light {
		t.Errorf("dark scheme background = %s, same as the light one", dark)
	}
	shot(t, phone, "dashboard-phone-dark")
	ppe.check(t)

	// Signing out ends the session: the dashboard sends to sign-in again.
	Do(t, tab, chromedp.Click(`.topbar button.link`))
	waitFor(t, tab, "the sign-in page", `location.pathname === '/login'`)
	Do(t, tab, chromedp.Navigate(f.URL+"/example.com"))
	waitFor(t, tab, "the sign-in page again", `location.pathname === '/login'`)
	pe.check(t)
}

// formatCount is how the sites list writes a count below 10,000.
func formatCount(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// startBare runs a Footfall app with no user and no site, as a fresh
// installation is, and returns its URL.
func startBare(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir()})
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
	deps, err := a.WebDeps(os.DirFS(assets))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(deps))
	bctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	b := a.Batcher()
	b.Interval = 10 * time.Millisecond
	go func() { done <- b.Run(bctx, 5*time.Second) }()
	t.Cleanup(func() {
		srv.Close()
		stop()
		if err := <-done; err != nil {
			t.Errorf("batcher: %v", err)
		}
	})
	return srv.URL
}

// TestFirstRun: a fresh installation sends every page to first-run setup,
// which creates the owner and signs them in; the empty sites list and the
// empty dashboard then tell the owner what to do.
func TestFirstRun(t *testing.T) {
	base := startBare(t)
	tab := Browser(t, Options{Width: 1024, Height: 800})
	pe := watchErrors(t, tab)

	Do(t, tab, chromedp.Navigate(base+"/example.com"))
	waitFor(t, tab, "the setup form", `location.pathname === '/setup' && document.querySelector('form input[name=email]') !== null`)
	shot(t, tab, "setup")
	Do(t, tab,
		chromedp.SendKeys(`input[name=email]`, ownerEmail),
		chromedp.SendKeys(`input[name=password]`, ownerPassword),
		chromedp.Click(`button[type=submit]`),
	)
	waitFor(t, tab, "the empty sites list", `location.pathname === '/sites' && document.querySelector('.empty .button') !== null`)
	if got := Eval[string](t, tab, `document.querySelector('.topbar .user').innerText`); got != ownerEmail {
		t.Errorf("signed in as %q after setup, want %s", got, ownerEmail)
	}

	// Adding a site shows its snippet, and the link to its dashboard.
	Do(t, tab, chromedp.Click(`.empty .button`), chromedp.SendKeys(`input[name=domain]`, "https://www.Example.com/"), chromedp.Click(`form button[type=submit]`))
	waitFor(t, tab, "the new site's snippet", `document.querySelector('.snippet pre') !== null`)
	want := `<script defer data-domain="example.com" src="http://localhost:8000/js/script.js"></script>`
	if got := Eval[string](t, tab, `document.querySelector('.snippet pre').innerText`); got != want {
		t.Errorf("new site snippet = %s, want %s", got, want)
	}
	shot(t, tab, "site-added")
	Do(t, tab, chromedp.Click(`.card a.button`))
	waitFor(t, tab, "the empty state", `location.pathname === '/example.com' && document.querySelector('.empty-site .snippet') !== null`)
	if got := Eval[string](t, tab, `document.querySelector('.empty-site pre').innerText`); got != want {
		t.Errorf("empty dashboard snippet = %s, want %s", got, want)
	}
	waitFor(t, tab, "empty panels", `document.querySelectorAll('.panel .panel-empty').length === 5`)
	shot(t, tab, "dashboard-empty")

	// "Check the installation" waits for the first event, then shows today.
	Do(t, tab, chromedp.Click(`.empty-site .verify button`))
	waitFor(t, tab, "the wait for a first event", `document.querySelector('.verify[data-verify=waiting]') !== null`)
	req, err := http.NewRequest(http.MethodPost, base+"/api/event", strings.NewReader(`{"n":"pageview","u":"https://example.com/hello","d":"example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", HumanUA)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/event = %d", resp.StatusCode)
	}
	waitFor(t, tab, "today with the first visit", `new URLSearchParams(location.search).get('period') === 'day' &&
		document.querySelector('.stat[data-metric=visitors]').dataset.value === '1' && document.querySelector('.panel[data-panel=pages] .rows li[data-value="/hello"]') !== null`)

	// Settings: a goal added and removed, then the site deleted.
	Do(t, tab, chromedp.Click(`.site-nav a[href="/example.com/settings"]`))
	waitFor(t, tab, "the settings", `document.querySelector('.goal-form') !== null && document.querySelector('.settings .skeleton') === null`)
	Do(t, tab, chromedp.SendKeys(`input[name=goal_value]`, "Signup"), chromedp.Click(`form:has(input[name=goal_value]) button[type=submit]`))
	waitFor(t, tab, "the new goal", `document.querySelector('.goal-list li[data-goal="Signup"]') !== null`)
	setField(t, tab, `select[name=goal_type]`, "page", "change")
	Do(t, tab, chromedp.SendKeys(`input[name=goal_value]`, "/pricing"), chromedp.Click(`form:has(input[name=goal_value]) button[type=submit]`))
	waitFor(t, tab, "the page goal", `document.querySelector('.goal-list li[data-goal="Visit /pricing"]') !== null`)
	shot(t, tab, "settings")
	Do(t, tab, chromedp.Click(`.goal-list li[data-goal="Signup"] button`))
	waitFor(t, tab, "the goal removed", `document.querySelector('.goal-list li[data-goal="Signup"]') === null && document.querySelector('.goal-list li') !== null`)
	// The danger zone holds two forms (reset the stats, delete the site):
	// the delete one is the form with confirm_domain.
	if got := Eval[bool](t, tab, `document.querySelector('form:has(input[name=confirm_domain]) button[type=submit]').disabled`); !got {
		t.Errorf("delete site is enabled before the domain is typed")
	}
	Do(t, tab, chromedp.SendKeys(`input[name=confirm_domain]`, "example.com"), chromedp.Click(`form:has(input[name=confirm_domain]) button[type=submit]`))
	waitFor(t, tab, "the sites list without the site", `location.pathname === '/sites' && document.querySelector('.empty') !== null`)

	// Setup is done once; an unknown site is said to be unknown.
	Do(t, tab, chromedp.Navigate(base+"/"+url.PathEscape("nope.example")))
	waitFor(t, tab, "the unknown site", `document.body.innerText.includes('nope.example') && document.querySelector('main a[href="/sites"]') !== null`)
	Do(t, tab, chromedp.Click(`.topbar button.link`))
	waitFor(t, tab, "the sign-in page", `location.pathname === '/login'`)
	Do(t, tab, chromedp.Navigate(base+"/setup"))
	waitFor(t, tab, "setup done", `document.querySelector('a.button[href="/login"]') !== null`)
	pe.check(t)
}

// checkDetails opens the top pages' details and checks a page of rows, the
// total, sorting, search and the CSV download against the API.
func checkDetails(t *testing.T, tab context.Context, f *Footfall) {
	t.Helper()
	// The tab switch re-renders the panel: open Details only once its
	// rows are in, or the click can land on the panel being replaced.
	Do(t, tab, chromedp.Click(`.panel[data-panel=pages] .tab:nth-child(1)`))
	waitFor(t, tab, "top pages", `document.querySelector('.panel[data-panel=pages] .panel-body[data-tab=pages]') !== null && document.querySelector('.panel[data-panel=pages] .skeleton') === null`)
	Do(t, tab, chromedp.Click(`.panel[data-panel=pages] .details-open`))
	waitFor(t, tab, "the details dialog", `document.querySelector('dialog.details') !== null`)
	metrics := []string{"visitors", "pageviews", "time_on_page", "scroll_depth"}
	ask := func(order, search string, limit int) query.Response {
		q := map[string]any{
			"site_id": "example.com", "metrics": metrics, "date_range": "30d", "dimensions": []string{"event:page"},
			"order_by": [][]string{{order, "desc"}}, "pagination": map[string]int{"limit": limit}, "include": map[string]bool{"total_rows": true},
		}
		if search != "" {
			q["filters"] = [][]any{{"contains", "event:page", []string{search}}}
		}
		body, _ := json.Marshal(q)
		return apiQuery(t, f, string(body))
	}
	rows := func(r query.Response) string {
		var out []string
		for _, row := range r.Results {
			out = append(out, fmt.Sprintf("%s=%v/%v", row.Dimensions[0], row.Metrics[0], row.Metrics[1]))
		}
		return strings.Join(out, "\n")
	}
	shown := func(what string, want query.Response) {
		t.Helper()
		waitFor(t, tab, what, fmt.Sprintf(`document.querySelector('dialog.details [data-total]') !== null && document.querySelector('dialog.details [data-total]').dataset.total === '%v' &&
			document.querySelectorAll('dialog.details tbody tr').length === %d`, want.Meta["total_rows"], len(want.Results)))
		got := Eval[string](t, tab, `[...document.querySelectorAll('dialog.details tbody tr')].map((tr) => tr.dataset.value + '=' +
			tr.querySelector('[data-metric=visitors]').dataset.raw + '/' + tr.querySelector('[data-metric=pageviews]').dataset.raw).join('\n')`)
		if got != rows(want) {
			t.Errorf("details, %s:\n%s\nAPI says\n%s", what, got, rows(want))
		}
	}
	shown("by visitors", ask("visitors", "", 50))
	Do(t, tab, chromedp.Click(`dialog.details .sort[data-sort=pageviews]`))
	shown("by pageviews", ask("pageviews", "", 50))
	shot(t, tab, "details")
	Do(t, tab, chromedp.SendKeys(`dialog.details input[name=search]`, "doc"))
	shown("search doc", ask("pageviews", "doc", 50))

	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(tab, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
	}); err != nil {
		t.Fatal(err)
	}
	Do(t, tab, chromedp.Click(`dialog.details .details-tools .button`))
	var csv []byte
	deadline := time.Now().Add(10 * time.Second)
	for len(csv) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		csv, _ = os.ReadFile(filepath.Join(dir, "example.com-pages.csv"))
	}
	want := "Page,visitors,pageviews,time_on_page,scroll_depth\n"
	for _, r := range ask("pageviews", "doc", 10000).Results {
		var cells []string
		for _, m := range r.Metrics {
			cells = append(cells, strconv.FormatFloat(m, 'f', -1, 64))
		}
		want += r.Dimensions[0] + "," + strings.Join(cells, ",") + "\n"
	}
	if string(csv) != want {
		t.Errorf("CSV download:\n%s\nwant\n%s", csv, want)
	}
	Do(t, tab, chromedp.Click(`dialog.details .details-head .icon`))
	waitFor(t, tab, "the details closed", `document.querySelector('dialog.details') === null`)

	// Every other tab's details open with rows and no error.
	for _, p := range panelTabs[1:] {
		sel := fmt.Sprintf(`.panel[data-panel=%s]`, p.group)
		Do(t, tab, chromedp.Click(fmt.Sprintf(`%s .tab:nth-child(%d)`, sel, tabIndex(p)+1)))
		waitFor(t, tab, p.tab+" rows", fmt.Sprintf(`document.querySelector('%s .panel-body[data-tab=%s]') !== null && document.querySelector('%s .skeleton') === null`, sel, p.tab, sel))
		if Eval[int](t, tab, fmt.Sprintf(`document.querySelectorAll('%s .rows li').length`, sel)) == 0 {
			continue
		}
		Do(t, tab, chromedp.Click(sel+` .details-open`))
		waitFor(t, tab, p.tab+" details", `document.querySelector('dialog.details tbody tr') !== null || document.querySelector('dialog.details .error') !== null`)
		if msg := Eval[string](t, tab, `(document.querySelector('dialog.details .error') || {innerText: ''}).innerText`); msg != "" {
			t.Errorf("details of %s/%s: %s", p.group, p.tab, msg)
		}
		Do(t, tab, chromedp.Click(`dialog.details .details-head .icon`))
		waitFor(t, tab, "the details closed", `document.querySelector('dialog.details') === null`)
	}
}

// checkPerformance compares the vitals, their bands, the vitals by page
// and the waterfall with the API.
func checkPerformance(t *testing.T, tab context.Context, f *Footfall, dateRange string) {
	t.Helper()
	vitals := []string{"lcp", "inp", "cls", "fcp", "ttfb"}
	var metrics []string
	for _, v := range vitals {
		metrics = append(metrics, v+"_p75", v+"_good", v+"_needs_improvement", v+"_poor")
	}
	body, _ := json.Marshal(map[string]any{"site_id": "example.com", "metrics": metrics, "date_range": json.RawMessage(dateRange)})
	res := apiQuery(t, f, string(body))
	if len(res.Results) == 0 {
		t.Fatal("no vitals in the seeded data")
	}
	shown := Eval[map[string][]string](t, tab, `Object.fromEntries([...document.querySelectorAll('.vitals .stat')].map((b) =>
		[b.dataset.vital, [b.dataset.value, ...[...b.querySelectorAll('.band')].map((x) => x.dataset.share)]]))`)
	for i, v := range vitals {
		want := res.Results[0].Metrics[i*4 : i*4+4]
		got := shown[v]
		if len(got) != 4 {
			t.Errorf("vital %s shows %v, API says %v", v, got, want)
			continue
		}
		for j := range want {
			if g, err := strconv.ParseFloat(got[j], 64); err != nil || !near(g, want[j]) {
				t.Errorf("vital %s shows %v, API says %v", v, got, want)
				break
			}
		}
	}
	byPage, _ := json.Marshal(map[string]any{"site_id": "example.com", "date_range": json.RawMessage(dateRange),
		"metrics": []string{"visitors", "lcp_p75", "inp_p75", "cls_p75", "fcp_p75", "ttfb_p75"}, "dimensions": []string{"event:page"},
		"order_by": [][]string{{"visitors", "desc"}}, "pagination": map[string]int{"limit": 10}})
	var want []string
	for _, r := range apiQuery(t, f, string(byPage)).Results {
		want = append(want, fmt.Sprintf("%s=%v/%v", r.Dimensions[0], r.Metrics[1], r.Metrics[5]))
	}
	got := Eval[[]string](t, tab, `[...document.querySelectorAll('.perf-table tbody tr')].map((tr) => tr.dataset.value + '=' +
		tr.querySelector('[data-vital=lcp]').dataset.raw + '/' + tr.querySelector('[data-vital=ttfb]').dataset.raw)`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("vitals by page:\n%s\nAPI says\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	phases, _ := json.Marshal(map[string]any{"site_id": "example.com", "date_range": json.RawMessage(dateRange),
		"metrics": []string{"visitors", "dns_p75", "connect_p75", "tls_p75", "response_p75", "dom_p75", "load_p75"}, "dimensions": []string{"event:page"},
		"order_by": [][]string{{"visitors", "desc"}}, "pagination": map[string]int{"limit": 8}})
	want = nil
	for _, r := range apiQuery(t, f, string(phases)).Results {
		sum := 0.0
		for _, m := range r.Metrics[1:] {
			sum += m
		}
		want = append(want, fmt.Sprintf("%s=%v", r.Dimensions[0], sum))
	}
	got = Eval[[]string](t, tab, `[...document.querySelectorAll('.waterfall li')].map((li) => li.dataset.value + '=' + li.dataset.total)`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("waterfall:\n%s\nAPI says\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// setField sets a form control's value as a person would, firing event
// (input or change) so the page sees it.
func setField(t *testing.T, tab context.Context, sel, value, event string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; return e.dispatchEvent(new Event(%q, {bubbles: true})) })()`, sel, value, event)
	Eval[bool](t, tab, js)
}

func shot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

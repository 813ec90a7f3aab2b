package browsertest

import (
	"math"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// TestTrackerEvents follows a visit through a single-page app with the
// full tracker: every event arrives, crosses origins, and is stored with
// its props, revenue and page.
func TestTrackerEvents(t *testing.T) {
	ff := StartFootfall(t, assets)
	pages := servePages(t, ff.URL, queueSnippet+
		`<script src="{{footfall}}/js/script.js" data-domain="example.com" data-allow-local data-outbound-links data-file-downloads></script>`)
	tab := Browser(t, Options{Human: true})

	Do(t, tab, chromedp.Navigate(pages+"/landing?utm_source=newsletter"))
	ff.WaitStored(t, "example.com", 2) // the pageview, then the queued call
	Eval[any](t, tab, `footfall('Signup', {props: {plan: 'pro'}, revenue: {amount: 9.99, currency: 'EUR'}}); 1`)
	ff.WaitStored(t, "example.com", 3)
	// Each navigation also reports engagement on the page left.
	var popped time.Time
	for i, js := range []string{
		`history.pushState({}, '', '/app/one')`,
		`history.replaceState({}, '', '/app/two')`,
		`history.pushState({}, '', '/app/three')`,
		`history.back()`, // popstate to /app/two
	} {
		popped = time.Now()
		Eval[any](t, tab, js+"; 1")
		ff.WaitStored(t, "example.com", int64(3+2*(i+1)))
	}
	Do(t, tab, chromedp.Click(chromedp.ID("buy")))
	ff.WaitStored(t, "example.com", 12)
	Do(t, tab, chromedp.Click(chromedp.ID("dl")))
	ff.WaitStored(t, "example.com", 13)

	// Leaving: scroll part of the way, then follow the outbound link.
	depth := Eval[float64](t, tab, `scrollTo(0, 1000); (scrollY + innerHeight) / document.documentElement.scrollHeight * 100`)
	time.Sleep(700 * time.Millisecond)
	Do(t, tab, chromedp.Click(chromedp.ID("out")))
	left := time.Since(popped)
	ff.WaitStored(t, "example.com", 15)
	stored := time.Since(popped)
	time.Sleep(200 * time.Millisecond) // nothing more may arrive
	rows := ff.Rows(t)

	var got []event
	for _, r := range rows {
		got = append(got, r.event())
	}
	want := []event{
		{"pageview", "/landing", "", ""},
		{"Queued", "/landing", "{early=yes}", ""},
		{"Signup", "/landing", "{plan=pro}", "9.99 EUR"},
		{"engagement", "/landing", "", ""},
		{"pageview", "/app/one", "", ""},
		{"engagement", "/app/one", "", ""},
		{"pageview", "/app/two", "", ""},
		{"engagement", "/app/two", "", ""},
		{"pageview", "/app/three", "", ""},
		{"engagement", "/app/three", "", ""},
		{"pageview", "/app/two", "", ""},
		{"Purchase", "/app/two", "{plan=team}", "19.90 USD"},
		{"File Download", "/app/two", "{url='" + pages + "/files/report.pdf'}", ""},
		{"Outbound Link: Click", "/app/two", "{url='" + ff.URL + "/healthz'}", ""},
		{"engagement", "/app/two", "", ""},
	}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
	// One visit of one visitor entering at /landing (the queued call and
	// the pageview arrive together and must still share the session).
	for _, r := range rows {
		if r.VisitorID != rows[0].VisitorID || r.EntryPage != "/landing" || r.Source != "newsletter" ||
			r.Browser != "Chrome" || r.Hostname != "127.0.0.1" || r.SessionID != rows[0].SessionID {
			t.Errorf("row %+v: want one visit entering at /landing from newsletter, Chrome, host 127.0.0.1", r)
		}
	}
	// The last report: the page left through the outbound link.
	last := rows[len(rows)-1]
	if last.Name != "engagement" {
		for _, r := range rows {
			if r.Name == "engagement" && r.Pathname == "/app/two" && r.ScrollDepth > 0 {
				last = r
			}
		}
	}
	if want := int64(math.Round(depth)); last.ScrollDepth != want {
		t.Errorf("scroll depth on leaving = %d, want %d", last.ScrollDepth, want)
	}
	// Engaged time: from the popstate to the page's unload, bracketed by
	// the test's clock: no more than the time until the report was stored,
	// no less than the time until the click returned, minus 400 ms for
	// round trips.
	if e := time.Duration(last.EngagementMS) * time.Millisecond; e < left-400*time.Millisecond || e > stored {
		t.Errorf("engaged time on leaving = %v, want between %v and %v", e, left-400*time.Millisecond, stored)
	}
}

// TestTrackerSkips: opt-out, local pages without data-allow-local and
// Do-Not-Track (when the site asks) send nothing at all.
func TestTrackerSkips(t *testing.T) {
	ff := StartFootfall(t, assets)
	for _, tt := range []struct{ name, attrs, before string }{
		{"local page", `data-domain="example.com"`, ""},
		{"opted out", `data-domain="example.com" data-allow-local`, `localStorage.footfall_ignore = 'true'`},
		{"do not track", `data-domain="example.com" data-allow-local data-dnt`, `Object.defineProperty(navigator, 'doNotTrack', {value: '1'})`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			head := `<script src="{{footfall}}/js/script.js" ` + tt.attrs + `></script>`
			if tt.before != "" {
				head = `<script>` + tt.before + `</script>` + head
			}
			pages := servePages(t, ff.URL, head)
			tab := Browser(t, Options{Human: true})
			Do(t, tab, chromedp.Navigate(pages+"/"))
			if !Eval[bool](t, tab, `footfall('Signup'); typeof footfall == 'function'`) {
				t.Fatal("the tracker did not load")
			}
			time.Sleep(300 * time.Millisecond)
			if n := ff.Requests(); n != 0 {
				t.Errorf("%d events sent, want none", n)
			}
		})
	}
}

// TestTracker404: with data-404, a page served with status 404 also sends
// a "404" event naming its path.
func TestTracker404(t *testing.T) {
	ff := StartFootfall(t, assets)
	pages := servePages(t, ff.URL, `<script src="{{footfall}}/js/script.js" data-domain="example.com" data-allow-local data-404></script>`)
	tab := Browser(t, Options{Human: true})
	Do(t, tab, chromedp.Navigate(pages+"/missing"))
	ff.WaitStored(t, "example.com", 2)
	Do(t, tab, chromedp.Navigate(pages+"/"))
	ff.WaitStored(t, "example.com", 4) // the 404's engagement report, the next pageview
	var got []event
	for _, r := range ff.Rows(t) {
		if r.Name != "engagement" {
			got = append(got, r.event())
		}
	}
	want := []event{{"pageview", "/missing", "", ""}, {"404", "/missing", "{path=/missing}", ""}, {"pageview", "/", "", ""}}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
}

// TestCoreTracker: the small variant counts pageviews, navigation and
// custom events, and nothing of engagement or performance.
func TestCoreTracker(t *testing.T) {
	ff := StartFootfall(t, assets)
	pages := servePages(t, ff.URL, queueSnippet+`<script src="{{footfall}}/js/script.core.js" data-domain="example.com" data-allow-local data-hash></script>`)
	tab := Browser(t, Options{Human: true})
	Do(t, tab, chromedp.Navigate(pages+"/#/home"))
	ff.WaitStored(t, "example.com", 2)
	Eval[any](t, tab, `location.hash = '#/settings'; 1`)
	ff.WaitStored(t, "example.com", 3)
	Eval[any](t, tab, `footfall('Save', {props: {tab: 'profile'}}); 1`)
	ff.WaitStored(t, "example.com", 4)
	Do(t, tab, chromedp.Navigate(pages+"/left"))
	ff.WaitStored(t, "example.com", 6)
	time.Sleep(300 * time.Millisecond)
	var got []event
	for _, r := range ff.Rows(t) {
		got = append(got, r.event())
	}
	want := []event{
		{"pageview", "/#/home", "", ""},
		{"Queued", "/#/home", "{early=yes}", ""},
		{"pageview", "/#/settings", "", ""},
		{"Save", "/#/settings", "{tab=profile}", ""},
		{"pageview", "/left", "", ""},
		{"Queued", "/left", "{early=yes}", ""},
	}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
}

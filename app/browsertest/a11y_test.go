package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeViolations runs axe-core (npm, ui/dashboard's dev dependency) on the
// page and returns its serious and critical violations as
// "rule: target…".
func axeViolations(t *testing.T, tab context.Context) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "ui", "dashboard", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		msg := "axe-core missing: run `npm ci --prefix ui/dashboard`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (required under CI=true)")
		}
		t.Skip(msg)
	}
	Eval[bool](t, tab, string(src)+";true")
	got, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.flatMap((v) => v.nodes.map((n) => v.id + ': ' + n.target.join(' ') + ' — ' + v.help)))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestAccessibility: no serious or critical axe-core violations on the
// dashboard (the map tab included), the site settings and the account
// settings (light theme; the checker itself is proven on a planted
// fault).
func TestAccessibility(t *testing.T) {
	f := seeded(t, 1500, 30)
	tab := Browser(t, Options{Width: 1280, Height: 900})
	signIn(t, tab, f, "/example.com")
	for _, page := range []struct{ path, ready string }{
		{"/example.com", dashboardLoaded},
		{"/example.com?locations=map", dashboardLoaded + ` && document.querySelector('.worldmap') !== null`},
		{"/example.com/settings", `document.querySelector('.link-list, #s-links ~ p.muted') !== null && document.querySelector('.skeleton') === null`},
		{"/account", `document.querySelector('[data-session]') !== null && document.querySelector('.skeleton') === null`},
		{"/sites", `document.querySelector('.site-card .sparkline') !== null`},
	} {
		Do(t, tab, chromedp.Navigate(f.URL+page.path))
		waitFor(t, tab, page.path, page.ready)
		for _, v := range axeViolations(t, tab) {
			t.Errorf("%s: %s", page.path, v)
		}
	}
	// The checker sees a fault planted on the page: an image without a
	// text alternative.
	Eval[bool](t, tab, `(() => { const i = document.createElement('img'); i.src = 'data:,'; document.body.append(i); return true })()`)
	if v := axeViolations(t, tab); len(v) == 0 {
		t.Errorf("axe-core found nothing on a page with an image without alt: is it running?")
	}
}

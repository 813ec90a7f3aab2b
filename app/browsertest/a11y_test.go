package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
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
// dashboard (the map and revenue tabs included), the performance page,
// the site settings and the account settings, in the light and the dark
// theme (the checker itself is proven on a planted fault).
func TestAccessibility(t *testing.T) {
	f := seeded(t, 1500, 30)
	tab := Browser(t, Options{Width: 1280, Height: 900})
	signIn(t, tab, f, "/example.com")
	pages := []struct{ path, ready string }{
		{"/example.com", dashboardLoaded},
		{"/example.com?locations=map", dashboardLoaded + ` && document.querySelector('.worldmap') !== null`},
		{"/example.com?goals=revenue", dashboardLoaded},
		{"/example.com/performance", `document.querySelector('main.performance[data-ready=true]') !== null && document.querySelector('.skeleton') === null`},
		{"/example.com/settings", `document.querySelector('.link-list, #s-links ~ p.muted') !== null && document.querySelector('.skeleton') === null`},
		{"/account", `document.querySelector('[data-session]') !== null && document.querySelector('.skeleton') === null`},
		{"/sites", `document.querySelector('.site-card .sparkline') !== null`},
	}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		for _, page := range pages {
			Do(t, tab, chromedp.Navigate(f.URL+page.path))
			waitFor(t, tab, page.path, page.ready)
			if scheme == "dark" && Eval[string](t, tab, `getComputedStyle(document.body).backgroundColor`) == "rgb(255, 255, 255)" {
				t.Fatalf("%s: the dark scheme did not apply", page.path)
			}
			for _, v := range axeViolations(t, tab) {
				t.Errorf("%s (%s): %s", page.path, scheme, v)
			}
		}
	}
	// The checker sees a fault planted on the page: an image without a
	// text alternative.
	Eval[bool](t, tab, `(() => { const i = document.createElement('img'); i.src = 'data:,'; document.body.append(i); return true })()`)
	if v := axeViolations(t, tab); len(v) == 0 {
		t.Errorf("axe-core found nothing on a page with an image without alt: is it running?")
	}
}

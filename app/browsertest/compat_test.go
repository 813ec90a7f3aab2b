package browsertest

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/evanw/esbuild/pkg/api"
	"github.com/google/go-cmp/cmp"
)

// compatDir holds Plausible's npm trackers, pinned by its package-lock.json
// and installed by `npm ci` (.ci/run does it).
const compatDir = "../../ui/compat"

// bundle builds a page script from an entry that imports the npm trackers.
func bundle(t *testing.T, entry string) string {
	t.Helper()
	if _, err := os.Stat(compatDir + "/node_modules/plausible-tracker/package.json"); err != nil {
		msg := "Plausible's trackers are not installed: run npm ci --prefix ui/compat"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	res := api.Build(api.BuildOptions{
		Stdin:    &api.StdinOptions{Contents: entry, ResolveDir: compatDir, Loader: api.LoaderJS},
		Bundle:   true,
		Format:   api.FormatIIFE,
		Target:   api.ES2020,
		LogLevel: api.LogLevelSilent,
	})
	if len(res.Errors) > 0 || len(res.OutputFiles) != 1 {
		t.Fatalf("bundle %q: %v", entry, res.Errors)
	}
	return string(res.OutputFiles[0].Contents)
}

// trackers are the three ways a page can send events, each exposing
// compatTrack(name, options) for custom events.
func trackers(t *testing.T) map[string]string {
	current := bundle(t, `import {init, track} from '@plausible-analytics/tracker'; window.plausibleNPM = {init, track}`)
	legacy := bundle(t, `import Plausible from 'plausible-tracker'; window.plausibleLegacy = Plausible`)
	return map[string]string{
		"footfall": `<script src="{{footfall}}/js/script.js" data-domain="example.com" data-allow-local data-outbound-links></script>
<script>window.compatTrack = footfall</script>`,
		"@plausible-analytics/tracker@0.4.6": `<script>` + current + `</script>
<script>plausibleNPM.init({domain: 'example.com', endpoint: '{{footfall}}/api/event', captureOnLocalhost: true, outboundLinks: true, logging: false})
window.compatTrack = plausibleNPM.track</script>`,
		"plausible-tracker@0.3.9": `<script>` + legacy + `</script>
<script>const p = plausibleLegacy({domain: 'example.com', apiHost: '{{footfall}}', trackLocalhost: true})
p.enableAutoPageviews()
addEventListener('DOMContentLoaded', () => p.enableAutoOutboundTracking())
window.compatTrack = (name, options) => p.trackEvent(name, options)</script>`,
	}
}

// TestPlausibleTrackersCompat: pages using Plausible's own npm trackers,
// pointed at Footfall, store the same events as Footfall's tracker for the
// same visit: a pageview, a client-side navigation, a custom event with
// props and revenue, an outbound link click. plausible-tracker 0.3.9 has
// no revenue, and sends the screen width, which Footfall turns into a
// screen class where the others leave the device's.
func TestPlausibleTrackersCompat(t *testing.T) {
	stored := map[string][]event{}
	other := map[string][]string{}
	for name, head := range trackers(t) {
		t.Run(name, func(t *testing.T) {
			ff := StartFootfall(t, assets)
			pages := servePages(t, ff.URL, head)
			tab := Browser(t, Options{Human: true})
			Do(t, tab, chromedp.Navigate(pages+"/compat"))
			ff.WaitStored(t, "example.com", 1)
			Eval[any](t, tab, `history.pushState({}, '', '/app/one'); 1`)
			ff.WaitStored(t, "example.com", 2)
			Eval[any](t, tab, `compatTrack('Signup', {props: {plan: 'pro'}, revenue: {amount: 9.99, currency: 'EUR'}}); 1`)
			ff.WaitStored(t, "example.com", 3)
			Do(t, tab, chromedp.Click(chromedp.ID("out")))
			ff.WaitStored(t, "example.com", 4)
			time.Sleep(700 * time.Millisecond) // engagement reports, if any
			for _, r := range ff.Rows(t) {
				if r.Name == "engagement" {
					continue
				}
				e := r.event()
				if name == "plausible-tracker@0.3.9" {
					e.Revenue = ""
				}
				stored[name] = append(stored[name], e)
				other[name] = append(other[name], strings.Join([]string{r.Hostname, r.EntryPage, r.Browser, r.Device}, " "))
			}
		})
	}
	if t.Failed() {
		return
	}
	ours := stored["footfall"]
	if len(ours) != 4 {
		t.Fatalf("Footfall's tracker stored %v, want 4 events", ours)
	}
	for name, events := range stored {
		want := slices.Clone(ours)
		if name == "plausible-tracker@0.3.9" {
			for i := range want {
				want[i].Revenue = ""
			}
		}
		// The page URLs differ by port only; compare the outbound link's
		// target by path.
		norm := func(es []event) []event {
			out := slices.Clone(es)
			for i := range out {
				if j := strings.Index(out[i].Props, "/healthz"); j >= 0 {
					out[i].Props = "{url=…/healthz}"
				}
			}
			return out
		}
		if diff := cmp.Diff(sorted(norm(want)), sorted(norm(events))); diff != "" {
			t.Errorf("%s stored other events than Footfall's tracker (-footfall +%s):\n%s", name, name, diff)
		}
		if diff := cmp.Diff(slices.Sorted(slices.Values(other["footfall"])), slices.Sorted(slices.Values(other[name]))); diff != "" {
			t.Errorf("%s stored other hosts, entry pages or devices (-footfall +%s):\n%s", name, name, diff)
		}
	}
}

// TestBotFilter: in unmodified headless Chromium (HeadlessChrome user
// agent, navigator.webdriver) nothing is counted: Footfall's tracker sends
// nothing, and a tracker told to send anyway is dropped by the server's
// filter. The same page with a desktop user agent and no webdriver flag
// is counted.
func TestBotFilter(t *testing.T) {
	ff := StartFootfall(t, assets, "example.com", "forced.example")
	ours := servePages(t, ff.URL, `<script src="{{footfall}}/js/script.js" data-domain="example.com" data-allow-local></script>`)
	forced := servePages(t, ff.URL, `<script>`+bundle(t, `import {init} from '@plausible-analytics/tracker'; window.plausibleNPM = {init}`)+`</script>
<script>window.__plausible = true; plausibleNPM.init({domain: 'forced.example', endpoint: '{{footfall}}/api/event', captureOnLocalhost: true, logging: false})</script>`)

	headless := Browser(t, Options{})
	if ua := Eval[string](t, headless, `navigator.userAgent`); !strings.Contains(ua, "HeadlessChrome") || !Eval[bool](t, headless, `navigator.webdriver`) {
		t.Fatalf("unmodified headless Chromium: user agent %q, webdriver %v; want HeadlessChrome and true", ua, Eval[bool](t, headless, `navigator.webdriver`))
	}
	Do(t, headless, chromedp.Navigate(ours+"/"))
	time.Sleep(500 * time.Millisecond)
	if n := ff.Requests(); n != 0 {
		t.Errorf("Footfall's tracker in headless Chromium sent %d events, want none", n)
	}
	Do(t, headless, chromedp.Navigate(forced+"/"))
	deadline := time.Now().Add(10 * time.Second)
	for ff.Requests() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if ff.Requests() == 0 {
		t.Fatal("the forced tracker sent nothing: the server's filter was not exercised")
	}

	human := Browser(t, Options{Human: true})
	Do(t, human, chromedp.Navigate(ours+"/"))
	ff.WaitStored(t, "example.com", 1)
	time.Sleep(300 * time.Millisecond)
	counts := map[int64]int{}
	for _, r := range ff.Rows(t) {
		counts[r.Site]++
		if r.Browser != "Chrome" {
			t.Errorf("stored %+v, want only the human visit (Chrome)", r)
		}
	}
	if counts[ff.Sites["example.com"].ID] != 1 || counts[ff.Sites["forced.example"].ID] != 0 {
		t.Errorf("stored events per site %v, want 1 for the human visit and none from headless Chromium", counts)
	}
}

package browsertest

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/performancetimeline"
	"github.com/chromedp/chromedp"
)

// TestVitalsAndTimings loads a page with a known largest paint, two layout
// shifts and a slow interaction, leaves it, and compares what Footfall
// stored with Chromium's own measurements:
//   - LCP and CLS with the PerformanceTimeline domain of the DevTools
//     protocol (the browser reporting to the test, not to the page),
//     within 3 ms and 0.0001;
//   - DOMContentLoaded with the Performance domain's metrics, within 3 ms;
//   - TTFB, response, load, DNS/connect/TLS and transfer size with the
//     page's PerformanceNavigationTiming, within 1 ms (rounding), FCP with
//     its paint entry, within 1 ms;
//   - INP with the event timings a separate observer of the test collected:
//     the same value.
func TestVitalsAndTimings(t *testing.T) {
	ff := StartFootfall(t, assets)
	pages := servePages(t, ff.URL, `<script src="{{footfall}}/js/script.js" data-domain="example.com" data-allow-local></script>`)
	tab := Browser(t, Options{Human: true})

	var mu sync.Mutex
	var lcpAt float64 // seconds since the epoch
	var shifts [][2]float64
	var leaving bool
	if err := chromedp.Listen(tab, func(ev any) {
		e, ok := ev.(*performancetimeline.EventTimelineEventAdded)
		if !ok || e.Event == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case leaving:
		case e.Event.LcpDetails != nil:
			d := e.Event.LcpDetails
			lcpAt = d.RenderTime.Float64()
			if lcpAt == 0 {
				lcpAt = d.LoadTime.Float64()
			}
		case e.Event.LayoutShiftDetails != nil && !e.Event.LayoutShiftDetails.HadRecentInput:
			shifts = append(shifts, [2]float64{e.Event.Time.Float64() * 1000, e.Event.LayoutShiftDetails.Value})
		}
	}); err != nil {
		t.Fatal(err)
	}
	Do(t, tab, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__interactions = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => e.interactionId && __interactions.push(e.duration))).observe({type: 'event', durationThreshold: 16, buffered: true})`,
		})
		if err != nil {
			return err
		}
		_, err = chromedp.Call(ctx, performance.Enable, performance.EnableParams{})
		return err
	}))
	Do(t, tab, chromedp.Navigate(pages+"/vitals"))
	ff.WaitStored(t, "example.com", 1)
	time.Sleep(1200 * time.Millisecond) // both shifts are done, the input comes 500 ms after them
	var metrics = map[string]float64{}
	Do(t, tab, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, performancetimeline.Enable, performancetimeline.EnableParams{
			EventTypes: []string{"largest-contentful-paint", "layout-shift"},
		})
		if err != nil {
			return err
		}
		m, err := chromedp.Call(ctx, performance.GetMetrics, struct{}{})
		for _, x := range m.Metrics {
			metrics[x.Name] = x.Value
		}
		return err
	}))
	Do(t, tab, chromedp.Click(chromedp.ID("slow")))
	time.Sleep(300 * time.Millisecond)
	nt := Eval[map[string]float64](t, tab, `const t = performance.getEntriesByType('navigation')[0].toJSON(); Object.fromEntries(Object.entries(t).filter(([k, v]) => typeof v == 'number'))`)
	timeOrigin := Eval[float64](t, tab, `performance.timeOrigin`)
	fcp := Eval[float64](t, tab, `performance.getEntriesByName('first-contentful-paint')[0].startTime`)
	interactions := Eval[[]float64](t, tab, `__interactions`)
	mu.Lock()
	leaving = true // what Chromium reports next is of the next page
	mu.Unlock()
	Do(t, tab, chromedp.Navigate(pages+"/left"))
	ff.WaitStored(t, "example.com", 3)
	time.Sleep(200 * time.Millisecond)

	var report *Row
	rows := ff.Rows(t)
	for i, r := range rows {
		if r.Name == "engagement" && r.Pathname == "/vitals" {
			report = &rows[i]
		}
	}
	if report == nil {
		t.Fatalf("no engagement report for /vitals among %+v", rows)
	}
	mu.Lock()
	defer mu.Unlock()
	if lcpAt == 0 || len(shifts) < 2 || len(interactions) == 0 || metrics["DomContentLoaded"] == 0 {
		t.Fatalf("Chromium measured LCP at %v, shifts %v, interactions %v, metrics %v: the page did not do what the test needs",
			lcpAt, shifts, interactions, metrics)
	}
	// CLS: the largest session window of the shifts Chromium reported.
	var cls, sum, first, last float64
	for i, s := range shifts {
		if i > 0 && s[0]-last < 1000 && s[0]-first < 5000 {
			sum += s[1]
		} else {
			sum, first = s[1], s[0]
		}
		last = s[0]
		cls = math.Max(cls, sum)
	}
	inp := 0.0
	for _, d := range interactions {
		inp = math.Max(inp, d)
	}
	within := func(name string, got int64, want, tolerance float64) {
		t.Helper()
		if math.Round(want) == 0 {
			if got != -1 {
				t.Errorf("%s = %d, want none stored (Chromium: %.2f)", name, got, want)
			}
			return
		}
		if math.Abs(float64(got)-want) > tolerance {
			t.Errorf("%s = %d, want %.2f ± %v (Chromium's own)", name, got, want, tolerance)
		}
	}
	within("lcp", report.LCP, lcpAt*1000-timeOrigin, 3)
	within("fcp", report.FCP, fcp, 1)
	within("inp", report.INP, inp, 0)
	within("ttfb", report.TTFB, nt["responseStart"], 1)
	within("response", report.Response, nt["responseStart"]-nt["requestStart"], 1)
	// A phase that took no time (loopback, a reused connection) is a
	// measured 0, stored as such.
	phase := func(name string, got int64, want float64) {
		t.Helper()
		if math.Abs(float64(got)-want) > 1 {
			t.Errorf("%s = %d, want %.2f ± 1 (Chromium's own; 0 is a measurement)", name, got, want)
		}
	}
	phase("dns", report.DNS, nt["domainLookupEnd"]-nt["domainLookupStart"])
	phase("connect", report.Connect, nt["connectEnd"]-nt["connectStart"])
	within("tls", report.TLS, 0, 0) // plain http
	within("dom", report.DOM, (metrics["DomContentLoaded"]-metrics["NavigationStart"])*1000, 3)
	within("load", report.Load, nt["loadEventStart"], 1)
	within("transfer size", report.TransferBytes, nt["transferSize"], 0)
	if math.Abs(report.CLS-cls) > 0.0001 {
		t.Errorf("cls = %v, want %v (the shifts Chromium reported: %v)", report.CLS, cls, shifts)
	}
	t.Logf("stored: lcp %d ms, fcp %d, inp %d, cls %.4f, ttfb %d, dom %d, load %d, %d bytes; Chromium: lcp %.1f, cls %.4f, inp %.0f, dom %.1f",
		report.LCP, report.FCP, report.INP, report.CLS, report.TTFB, report.DOM, report.Load, report.TransferBytes,
		lcpAt*1000-timeOrigin, cls, inp, (metrics["DomContentLoaded"]-metrics["NavigationStart"])*1000)
}

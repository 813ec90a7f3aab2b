package browsertest

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDashboardFirstRender measures the dashboard as a person meets it:
// from the start of the navigation to every number on the page (top
// stats, chart, all panels), on a site of FOOTFALL_TEST_DASHBOARD_EVENTS
// seeded events over 30 days (issue 5 asks ≤ 1 s at 1,000,000). Seeding a
// million events takes minutes, so the test runs only when asked.
func TestDashboardFirstRender(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("FOOTFALL_TEST_DASHBOARD_EVENTS"))
	if n <= 0 {
		t.Skip("set FOOTFALL_TEST_DASHBOARD_EVENTS=1000000 to measure the dashboard's first render on a site that size")
	}
	start := time.Now()
	f := seeded(t, n, 30)
	t.Logf("seeded %d events in %v", n, time.Since(start).Round(time.Second))
	tab := Browser(t, Options{Width: 1280, Height: 900})
	signIn(t, tab, f, "/sites")
	const ready = `new Promise((resolve) => {
		const check = () => (` + dashboardLoaded + `) ? resolve(performance.now()) : requestAnimationFrame(check)
		check()
	})`
	var times []float64
	for i := range 5 {
		// A new query each time (the period differs) so no answer comes
		// from the server's cache.
		path := "/example.com"
		if i > 0 {
			path = fmt.Sprintf("/example.com?period=custom&from=%s&to=%s",
				time.Now().UTC().AddDate(0, 0, -30-i).Format(time.DateOnly), time.Now().UTC().AddDate(0, 0, -1-i).Format(time.DateOnly))
		}
		Do(t, tab, chromedp.Navigate(f.URL+path))
		ms, err := chromedp.Run(tab, chromedp.Evaluate[float64](ready, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, ms)
	}
	sorted := slices.Clone(times)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	t.Logf("dashboard first render, %d events, 30 days: median %.0f ms (runs: %.0f)", n, median, times)
	if n >= 1_000_000 && median > 1000 {
		t.Errorf("first render %.0f ms (median of 5), over the 1 s target", median)
	}
}

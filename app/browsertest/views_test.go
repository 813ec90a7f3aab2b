package browsertest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/footfallhq/footfall/store"
)

// TestRevenueAndExport: the revenue tab shows each goal's revenue as the
// API computes it, and the whole-view export is a zip with one CSV per
// panel tab, each equal to the API's answer for the view.
func TestRevenueAndExport(t *testing.T) {
	f := seeded(t, 3000, 30)
	if _, err := f.App.DB.CreateGoal(t.Context(), store.SiteGoal{SiteID: f.Sites["example.com"].ID, Goal: store.Goal{Name: "Purchase", EventName: "Purchase"}}); err != nil {
		t.Fatal(err)
	}
	tab := Browser(t, Options{Width: 1280, Height: 900})
	pe := watchErrors(t, tab)
	signIn(t, tab, f, "/example.com?goals=revenue")
	waitFor(t, tab, "the dashboard", dashboardLoaded+` && document.querySelector('.panel[data-panel=goals] .panel-body[data-tab=revenue]') !== null`)

	// Revenue: goals with revenue, by revenue; the cells carry the API's numbers.
	res := apiQuery(t, f, `{"site_id":"example.com","metrics":["visitors","total_revenue","average_revenue"],"date_range":"30d",
		"dimensions":["event:goal"],"order_by":[["total_revenue","desc"]],"pagination":{"limit":9}}`)
	var want []string
	for _, r := range res.Results {
		if r.Metrics[1] != 0 {
			want = append(want, fmt.Sprintf("%s=%v/%v/%v", r.Dimensions[0], r.Metrics[0], r.Metrics[1], r.Metrics[2]))
		}
	}
	if len(want) == 0 {
		t.Fatal("no revenue in the seeded data")
	}
	got := Eval[[]string](t, tab, `[...document.querySelectorAll('.panel[data-panel=goals] .rows li')].map((li) => li.dataset.value + '=' +
		['visitors', 'total_revenue', 'average_revenue'].map((m) => li.querySelector('[data-metric=' + m + ']').dataset.raw).join('/'))`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("revenue tab shows\n%s\nAPI says\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := Eval[string](t, tab, `document.querySelector('.panel[data-panel=goals] .rows [data-metric=total_revenue]').innerText`); !strings.Contains(s, ".") {
		t.Errorf("revenue shown as %q, want an amount with decimals", s)
	}
	shot(t, tab, "revenue-desktop")

	// The whole view, with a filter, as a zip.
	Do(t, tab, chromedp.Navigate(f.URL+"/example.com?period=7d&f=is|visit:device|desktop"))
	waitFor(t, tab, "the filtered dashboard", dashboardLoaded)
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(tab, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
	}); err != nil {
		t.Fatal(err)
	}
	Do(t, tab, chromedp.Click(`.export-view`))
	files := readZip(t, filepath.Join(dir, "example.com-7d.zip"))
	filters := `[["is","visit:device",["desktop"]]]`
	var names []string
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	wantNames := []string{"chart-day.csv", "funnel-Purchase.csv", "top-stats.csv"}
	for _, p := range panelTabs {
		wantNames = append(wantNames, p.group+"-"+p.tab+".csv")
	}
	wantNames = append(wantNames, "goals-revenue.csv")
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("export holds\n%v\nwant\n%v", names, wantNames)
	}
	// Each tab's CSV is its details' rows: every value, the details' columns.
	for _, p := range append(panelTabs, panelTab{"goals", "revenue", []string{"event:goal"}, false, nil}) {
		metrics := []string{"visitors", "visits", "pageviews", "bounce_rate", "visit_duration"}
		order := "visitors"
		switch {
		case p.tab == "goals":
			metrics = []string{"visitors", "events", "conversion_rate"}
		case p.tab == "events":
			metrics = []string{"visitors", "events"}
		case p.tab == "revenue":
			metrics, order = []string{"visitors", "total_revenue", "average_revenue"}, "total_revenue"
		case strings.HasPrefix(p.dims[0], "event:"):
			metrics = []string{"visitors", "pageviews", "time_on_page", "scroll_depth"}
		}
		all := []any{[]any{"is", "visit:device", []string{"desktop"}}}
		if p.hideEmpty {
			all = append(all, []any{"is_not", p.dims[0], []string{""}})
		}
		if p.exclude != nil {
			all = append(all, []any{"is_not", p.dims[0], p.exclude})
		}
		body, _ := json.Marshal(map[string]any{"site_id": "example.com", "metrics": metrics, "date_range": "7d", "dimensions": p.dims,
			"filters": all, "order_by": [][]string{{order, "desc"}}, "pagination": map[string]int{"limit": 10000}, "include": map[string]bool{"total_rows": true}})
		var rows [][]string
		for _, r := range apiQuery(t, f, string(body)).Results {
			if p.tab == "revenue" && r.Metrics[1] == 0 {
				continue
			}
			row := []string{r.Dimensions[len(r.Dimensions)-1]}
			if row[0] == "" {
				row[0] = r.Dimensions[0]
			}
			for _, m := range r.Metrics {
				row = append(row, strconv.FormatFloat(m, 'f', -1, 64))
			}
			rows = append(rows, row)
		}
		name := p.group + "-" + p.tab + ".csv"
		if got, want := files[name], csvText(append([][]string{append([]string{dimLabel(p.dims[0])}, metrics...)}, rows...)); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
		}
	}
	top := apiQuery(t, f, `{"site_id":"example.com","metrics":["visitors","visits","pageviews","views_per_visit","bounce_rate","visit_duration"],"date_range":"7d","filters":`+filters+`}`)
	wantTop := "metric,value\n"
	for i, m := range topMetrics {
		wantTop += m + "," + strconv.FormatFloat(top.Results[0].Metrics[i], 'f', -1, 64) + "\n"
	}
	if files["top-stats.csv"] != wantTop {
		t.Errorf("top-stats.csv:\n%s\nwant\n%s", files["top-stats.csv"], wantTop)
	}
	if lines := strings.Count(files["chart-day.csv"], "\n"); lines != 8 {
		t.Errorf("chart-day.csv has %d lines, want a header and 7 days:\n%s", lines, files["chart-day.csv"])
	}
	if !strings.HasPrefix(files["funnel-Purchase.csv"], "step,label,visitors,") || strings.Count(files["funnel-Purchase.csv"], "\n") != 4 {
		t.Errorf("funnel-Purchase.csv:\n%s", files["funnel-Purchase.csv"])
	}
	pe.check(t)

	// A phone shows the revenue tab within its width.
	phone := Browser(t, Options{Width: 500, Height: 780})
	Do(t, phone, chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	signIn(t, phone, f, "/example.com?goals=revenue")
	waitFor(t, phone, "the phone dashboard", dashboardLoaded)
	if w := Eval[int](t, phone, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("at 360 px the page is %d px wide", w)
	}
	Eval[bool](t, phone, `(document.querySelector('.panel[data-panel=goals]').scrollIntoView(), true)`)
	shot(t, phone, "revenue-phone")
}

// dimLabel is the column head the dashboard gives a dimension.
func dimLabel(dim string) string {
	return map[string]string{
		"event:page": "Page", "visit:entry_page": "Entry page", "visit:exit_page": "Exit page",
		"visit:channel": "Channel", "visit:source": "Source", "visit:referrer": "Referrer",
		"visit:utm_source": "UTM source", "visit:utm_medium": "UTM medium", "visit:utm_campaign": "UTM campaign",
		"visit:country": "Country", "visit:region": "Region", "visit:city": "City",
		"visit:browser": "Browser", "visit:os": "Operating system", "visit:device": "Device", "visit:screen": "Screen size",
		"event:goal": "Goal", "event:name": "Event",
	}[dim]
}

// csvText is rows as RFC 4180 text.
func csvText(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(c, ",\"\r\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// readZip waits for a downloaded zip and returns its files by name,
// checking each one's CRC-32 on the way (archive/zip does).
func readZip(t *testing.T, path string) map[string]string {
	t.Helper()
	var data []byte
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if _, err := os.Stat(path + ".crdownload"); err == nil {
			continue
		}
		if data, _ = os.ReadFile(path); len(data) > 0 {
			break
		}
	}
	if len(data) == 0 {
		entries, _ := os.ReadDir(filepath.Dir(path))
		t.Fatalf("no download %s; the directory holds %v", path, entries)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	out := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatalf("%s in %s: %v", zf.Name, path, err)
		}
		b, err := io.ReadAll(rc) // fails on a wrong CRC-32
		rc.Close()
		if err != nil {
			t.Fatalf("read %s in %s: %v", zf.Name, path, err)
		}
		out[zf.Name] = string(b)
	}
	return out
}

// TestPerformanceFilters: on the performance page a click on a row
// filters it (chip and URL), the vitals, their distribution and the
// tables follow the API's answers for the filter, and the filter dialog
// works here as on the dashboard.
func TestPerformanceFilters(t *testing.T) {
	f := seeded(t, 3000, 30)
	tab := Browser(t, Options{Width: 1280, Height: 900})
	pe := watchErrors(t, tab)
	signIn(t, tab, f, "/example.com/performance")
	const perfReady = `document.querySelector('main.performance[data-ready=true]') !== null && document.querySelectorAll('.performance .skeleton').length === 0`
	waitFor(t, tab, "the performance page", perfReady)
	checkVitals(t, tab, f, nil)
	before := Eval[string](t, tab, `document.querySelector('.vitals .stat[data-vital=lcp]').dataset.value`)

	// Click a device in the breakdown.
	Do(t, tab, chromedp.Click(`[data-panel=vitals] .tab:nth-child(2)`))
	waitFor(t, tab, "devices", `document.querySelector('.perf-table[data-tab=device] tbody th button') !== null`)
	device := Eval[string](t, tab, `document.querySelector('.perf-table[data-tab=device] tbody tr').dataset.value`)
	Do(t, tab, chromedp.Click(`.perf-table[data-tab=device] tbody th button`))
	waitFor(t, tab, "the device chip", fmt.Sprintf(`document.querySelector('.chip[data-filter="visit:device|%s"]') !== null`, device))
	if got := Eval[string](t, tab, `location.pathname + '?' + new URLSearchParams(location.search).get('f')`); got != "/example.com/performance?is|visit:device|"+device {
		t.Errorf("URL after the click: %s", got)
	}
	waitFor(t, tab, "the filtered page", perfReady)
	filters := [][]any{{"is", "visit:device", []string{device}}}
	checkVitals(t, tab, f, filters)
	if after := Eval[string](t, tab, `document.querySelector('.vitals .stat[data-vital=lcp]').dataset.value`); after == before {
		t.Logf("LCP p75 is %s with and without the filter (possible, but unlikely)", after)
	}
	shot(t, tab, "performance-filtered-desktop")

	// The filter dialog adds a second filter; the chip's × removes it.
	Do(t, tab, chromedp.Click(`.chips > li:first-child button`))
	waitFor(t, tab, "the filter dialog", `document.querySelector('.filter-dialog select[name=dimension]') !== null`)
	setField(t, tab, `.filter-dialog select[name=dimension]`, "event:page", "change")
	setField(t, tab, `.filter-dialog select[name=operator]`, "is_not", "change")
	setField(t, tab, `.filter-dialog input[name=value]`, "/", "input")
	Do(t, tab, chromedp.Click(`.filter-dialog button[type=submit]`))
	waitFor(t, tab, "the page chip", `document.querySelector('.chip[data-filter="event:page|/"][data-op=is_not]') !== null`)
	waitFor(t, tab, "the twice filtered page", perfReady)
	checkVitals(t, tab, f, append(filters, []any{"is_not", "event:page", []string{"/"}}))
	Do(t, tab, chromedp.Click(`.chip[data-filter="event:page|/"] button[aria-label^=Remove]`))
	waitFor(t, tab, "one chip", `document.querySelectorAll('.chip').length === 1`)
	waitFor(t, tab, "the page again", perfReady)
	checkVitals(t, tab, f, filters)

	// The URL alone brings the filtered page back.
	Do(t, tab, chromedp.Reload())
	waitFor(t, tab, "the reloaded page", perfReady+fmt.Sprintf(` && document.querySelector('.chip[data-filter="visit:device|%s"]') !== null`, device))
	checkVitals(t, tab, f, filters)
	pe.check(t)

	phone := Browser(t, Options{Width: 500, Height: 780})
	Do(t, phone, chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	signIn(t, phone, f, "/example.com/performance?f=is|visit:device|"+device)
	waitFor(t, phone, "the phone performance page", perfReady)
	if w := Eval[int](t, phone, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("at 360 px the performance page is %d px wide", w)
	}
	shot(t, phone, "performance-filtered-phone")
}

// checkVitals compares the vitals cards and the distribution table with
// the API's answer under filters (last 30 days).
func checkVitals(t *testing.T, tab context.Context, f *Footfall, filters [][]any) {
	t.Helper()
	vitals := []string{"lcp", "inp", "cls", "fcp", "ttfb"}
	var metrics []string
	for _, v := range vitals {
		metrics = append(metrics, v+"_p75", v+"_good", v+"_needs_improvement", v+"_poor")
	}
	body, _ := json.Marshal(map[string]any{"site_id": "example.com", "metrics": metrics, "date_range": "30d", "filters": filters})
	res := apiQuery(t, f, string(body))
	if len(res.Results) == 0 {
		t.Fatalf("no vitals for filters %v", filters)
	}
	shown := Eval[map[string][]string](t, tab, `Object.fromEntries([...document.querySelectorAll('.vitals .stat')].map((b) => {
		const row = document.querySelector('.distribution tr[data-vital=' + b.dataset.vital + ']')
		return [b.dataset.vital, [b.dataset.value, ...(row ? [...row.querySelectorAll('[data-share]')].map((x) => x.dataset.share) : [])]]
	}))`)
	for i, v := range vitals {
		want := res.Results[0].Metrics[i*4 : i*4+4]
		if want[1]+want[2]+want[3] == 0 {
			continue // no row in the distribution
		}
		got := shown[v]
		ok := len(got) == 4
		for j := 0; ok && j < 4; j++ {
			g, err := strconv.ParseFloat(got[j], 64)
			ok = err == nil && near(g, want[j])
		}
		if !ok {
			t.Errorf("vital %s (filters %v) shows p75 and shares %v, API says %v", v, filters, got, want)
		}
	}
}

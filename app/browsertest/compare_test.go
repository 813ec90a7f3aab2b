package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestMultiValueFilterAndComparisons: the filter dialog takes several
// values for one dimension (any of them matches), the URL keeps them, and
// the comparison switches to the year before and to dates of one's own,
// the top stats' changes following the API's for each.
func TestMultiValueFilterAndComparisons(t *testing.T) {
	f := seeded(t, 1500, 30)
	tab := Browser(t, Options{Width: 1280, Height: 900})
	pe := watchErrors(t, tab)
	signIn(t, tab, f, "/example.com?locations=countries")
	waitFor(t, tab, "the dashboard", dashboardLoaded)
	countries := Eval[[]string](t, tab, `[...document.querySelectorAll('.panel[data-panel=locations] .rows li')].slice(0, 2).map((li) => li.dataset.value)`)
	if len(countries) != 2 {
		t.Fatalf("countries %v", countries)
	}

	Do(t, tab, chromedp.Click(`.chips > li:first-child button`))
	waitFor(t, tab, "the filter dialog", `document.querySelector('.filter-dialog select[name=dimension]') !== null`)
	setField(t, tab, `.filter-dialog select[name=dimension]`, "visit:country", "change")
	setField(t, tab, `.filter-dialog input[name=value]`, countries[0], "input")
	Do(t, tab, chromedp.Click(`.filter-dialog .add-value`))
	waitFor(t, tab, "the first value kept", fmt.Sprintf(`document.querySelector('.filter-dialog .values li[data-value=%s]') !== null`, countries[0]))
	setField(t, tab, `.filter-dialog input[name=value]`, countries[1], "input")
	Do(t, tab, chromedp.Click(`.filter-dialog button[type=submit]`))
	want := "visit:country|" + strings.Join(countries, "|")
	waitFor(t, tab, "the two-value chip", fmt.Sprintf(`document.querySelector('.chip[data-filter=%q]') !== null`, want))
	waitFor(t, tab, "the filtered dashboard", dashboardLoaded)
	filters := [][]any{{"is", "visit:country", countries}}
	checkTopStats(t, tab, f, `"30d"`, filters)
	checkPanel(t, tab, f, panelTabs[0], `"30d"`, filters)

	// Year over year, then dates of one's own; each survives a reload.
	setField(t, tab, `.compare select`, "year", "change")
	waitFor(t, tab, "year over year", `new URLSearchParams(location.search).get('compare') === 'year'`)
	waitFor(t, tab, "the compared dashboard", dashboardLoaded)
	checkTopStatsVs(t, tab, f, `"30d"`, filters, map[string]any{"mode": "year_over_year"})
	from, to := time.Now().UTC().AddDate(0, 0, -40).Format(time.DateOnly), time.Now().UTC().AddDate(0, 0, -33).Format(time.DateOnly)
	setField(t, tab, `.compare select`, "custom", "change")
	waitFor(t, tab, "the comparison dates", `document.querySelector('.compare input[name=cfrom]') !== null`)
	setField(t, tab, `.compare input[name=cfrom]`, from, "input")
	setField(t, tab, `.compare input[name=cto]`, to, "input")
	Do(t, tab, chromedp.Click(`.compare button[type=submit]`))
	waitFor(t, tab, "the custom comparison", fmt.Sprintf(`location.search.includes('compare=custom&cfrom=%s&cto=%s')`, from, to))
	Do(t, tab, chromedp.Reload())
	waitFor(t, tab, "the reloaded dashboard", dashboardLoaded+` && document.querySelector('.compare select').value === 'custom'`)
	checkTopStatsVs(t, tab, f, `"30d"`, filters, map[string]any{"mode": "custom", "date_range": []string{from, to}})
	if n := Eval[int](t, tab, `document.querySelectorAll('.chart .u-series').length`); n != 3 {
		t.Errorf("chart with a custom comparison has %d series (x included), want 3", n)
	}
	pe.check(t)
}

package browsertest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWorldMap: the Map tab of the locations panel colours each country
// with the API's visitors, names it on hover, and filters by it on a
// click or from the keyboard.
func TestWorldMap(t *testing.T) {
	f := seeded(t, 1500, 30)
	tab := Browser(t, Options{Width: 1280, Height: 900})
	pe := watchErrors(t, tab)
	signIn(t, tab, f, "/example.com?locations=map")
	waitFor(t, tab, "the map", `document.querySelector('.panel[data-panel=locations] .worldmap path[data-visitors]') !== null`)

	body, _ := json.Marshal(map[string]any{"site_id": "example.com", "metrics": []string{"visitors"}, "date_range": "30d", "dimensions": []string{"visit:country"}})
	want := map[string]float64{}
	for _, r := range apiQuery(t, f, string(body)).Results {
		want[r.Dimensions[0]] = r.Metrics[0]
	}
	got := Eval[map[string]float64](t, tab, `Object.fromEntries([...document.querySelectorAll('.worldmap path[data-country]')].map((p) => [p.dataset.country, +p.dataset.visitors]))`)
	if len(got) < 5 {
		t.Fatalf("map colours %d countries: %v", len(got), got)
	}
	for code, v := range got {
		if want[code] != v {
			t.Errorf("map: %s has %v visitors, API says %v", code, v, want[code])
		}
	}
	for code, v := range want {
		if _, drawn := got[code]; !drawn && v > 0 && Eval[bool](t, tab, fmt.Sprintf(`document.querySelector('.worldmap path[data-empty=%q]') !== null`, code)) {
			t.Errorf("map: %s (%v visitors) not coloured", code, v)
		}
	}

	// Hover names the country; the keyboard reaches it and Enter filters.
	code := Eval[string](t, tab, `[...document.querySelectorAll('.worldmap path[data-country]')].sort((a, b) => b.dataset.visitors - a.dataset.visitors)[0].dataset.country`)
	Eval[bool](t, tab, fmt.Sprintf(`(() => { const p = document.querySelector('.worldmap path[data-country=%s]'); const r = p.getBoundingClientRect();
		return p.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2})) })()`, code))
	waitFor(t, tab, "the tooltip", `document.querySelector('.map-tip') !== null && /visitors/.test(document.querySelector('.map-tip').innerText)`)
	Do(t, tab, chromedp.Sleep(200e6))
	shot(t, tab, "worldmap")
	Do(t, tab, chromedp.Focus(fmt.Sprintf(`.worldmap path[data-country=%s]`, code)), chromedp.KeyEvent(kb.Enter))
	waitFor(t, tab, "the country filter", fmt.Sprintf(`document.querySelector('.chip[data-filter="visit:country|%s"]') !== null`, code))
	waitFor(t, tab, "the filtered dashboard", dashboardLoaded)
	checkTopStats(t, tab, f, `"30d"`, [][]any{{"is", "visit:country", []string{code}}})
	pe.check(t)
}

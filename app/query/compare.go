package query

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Comparisons asks for the same query over another period.
type Comparisons struct {
	// Mode is "previous_period", "year_over_year" or "custom".
	Mode string `json:"mode"`
	// DateRange is the period of a custom comparison: two ISO dates.
	DateRange json.RawMessage `json:"date_range,omitempty"`
	// MatchDayOfWeek shifts a previous period of whole days back by whole
	// weeks, so Mondays are compared with Mondays.
	MatchDayOfWeek bool `json:"match_day_of_week,omitempty"`
}

// Comparison is a result row's counterpart in the comparison period.
type Comparison struct {
	Dimensions []string  `json:"dimensions"`
	Metrics    []float64 `json:"metrics"`
	// Change per metric: the difference in points for metrics that are
	// percentages already, else the change in percent (100 when the
	// comparison value is 0 and the current one is not).
	Change []float64 `json:"change"`
}

// comparisonRange returns the period to compare [from, to) with.
func comparisonRange(c *Comparisons, from, to time.Time, loc *time.Location, site store.Site) (time.Time, time.Time, error) {
	f, t := from.In(loc), to.In(loc)
	switch c.Mode {
	case "previous_period":
		if isMidnight(f) && isMidnight(t) {
			days := daysBetween(f, t)
			shift := days
			if c.MatchDayOfWeek {
				shift = (days + 6) / 7 * 7
			}
			start := f.AddDate(0, 0, -shift)
			return start.UTC(), start.AddDate(0, 0, days).UTC(), nil
		}
		d := to.Sub(from)
		return from.Add(-d), to.Add(-d), nil
	case "year_over_year":
		return f.AddDate(-1, 0, 0).UTC(), t.AddDate(-1, 0, 0).UTC(), nil
	case "custom":
		if len(c.DateRange) == 0 {
			return from, to, bad("include.comparisons.date_range is required with mode \"custom\"")
		}
		var named string
		if json.Unmarshal(c.DateRange, &named) == nil {
			return from, to, bad("include.comparisons.date_range must be two ISO dates, e.g. [\"2026-01-01\", \"2026-01-31\"]")
		}
		cf, ct, err := dateRange(c.DateRange, time.Now().In(loc), site)
		return cf.UTC(), ct.UTC(), err
	}
	return from, to, bad("unknown include.comparisons.mode %q: use previous_period, year_over_year or custom", c.Mode)
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// daysBetween counts calendar days from a to b, both local midnights.
func daysBetween(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// pointMetrics are percentages already: their change is a difference.
func pointMetric(m string) bool {
	switch m {
	case "bounce_rate", "conversion_rate", "group_conversion_rate", "percentage":
		return true
	}
	pm, ok := store.ParsePerfMetric(m)
	return ok && pm.Band != ""
}

func change(m string, cur, prev float64) float64 {
	if pointMetric(m) {
		return math.Round((cur-prev)*10) / 10
	}
	switch {
	case prev == 0 && cur == 0:
		return 0
	case prev == 0:
		return 100
	}
	return math.Round((cur - prev) / prev * 100)
}

// attachComparisons gives every row its counterpart in cmp: the row with
// the same dimension values, the time bucket taken at the same position
// in the two periods' labels. A row without a counterpart is compared
// with zeros.
func attachComparisons(rows []Result, cmp store.Result, metrics []string, timeDim int, labels, cmpLabels []string) {
	key := func(dims []string) string { return strings.Join(dims, "\x00") }
	byKey := make(map[string]store.Row, len(cmp.Rows))
	for _, r := range cmp.Rows {
		byKey[key(r.Dimensions)] = r
	}
	position := make(map[string]int, len(labels))
	for i, l := range labels {
		position[l] = i
	}
	for i := range rows {
		dims := append([]string(nil), rows[i].Dimensions...)
		if timeDim >= 0 {
			p, ok := position[dims[timeDim]]
			if !ok || p >= len(cmpLabels) {
				continue // no counterpart bucket: the periods differ in length
			}
			dims[timeDim] = cmpLabels[p]
		}
		c := &Comparison{Dimensions: dims, Metrics: make([]float64, len(metrics)), Change: make([]float64, len(metrics))}
		if r, ok := byKey[key(dims)]; ok {
			copy(c.Metrics, r.Metrics)
		}
		for j, m := range metrics {
			c.Change[j] = change(m, rows[i].Metrics[j], c.Metrics[j])
		}
		rows[i].Comparison = c
	}
}

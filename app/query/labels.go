package query

import (
	"time"

	"github.com/footfallhq/footfall/store"
)

// autoBucket picks the time bucket for the "time" dimension from the
// length of the range, as Plausible does: hours for a day or two, days for
// up to about three months, months beyond.
func autoBucket(from, to time.Time) string {
	switch d := to.Sub(from); {
	case d <= 48*time.Hour:
		return "time:hour"
	case d <= 93*24*time.Hour:
		return "time:day"
	}
	return "time:month"
}

// timeLabels lists every bucket of dimension dim (a concrete time bucket)
// that overlaps [from, to) in loc, labelled as the events store labels
// them, so that a chart can show the empty buckets too.
func timeLabels(dim string, from, to time.Time, loc *time.Location) []string {
	const maxLabels = 10_000 // a year of hours; beyond it a chart is useless
	f := from.In(loc)
	var (
		t      time.Time
		layout = time.DateOnly
		next   func(time.Time) time.Time
	)
	switch dim {
	case "time:hour":
		t = time.Date(f.Year(), f.Month(), f.Day(), f.Hour(), 0, 0, 0, loc)
		layout = "2006-01-02 15:00:00"
		next = func(t time.Time) time.Time { return t.Add(time.Hour) }
	case "time:week":
		t = time.Date(f.Year(), f.Month(), f.Day()-(int(f.Weekday())+6)%7, 0, 0, 0, 0, loc)
		next = func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }
	case "time:month":
		t = time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, loc)
		next = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	default: // time:day
		t = time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
		next = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	}
	var labels []string
	for ; t.Before(to) && len(labels) < maxLabels; t = next(t) {
		l := t.In(loc).Format(layout)
		// A repeated hour when clocks go back is one bucket.
		if n := len(labels); n == 0 || labels[n-1] != l {
			labels = append(labels, l)
		}
	}
	return labels
}

// timeDimension returns the index of the query's time dimension, -1 if
// it has none.
func timeDimension(dims []string) int {
	for i, d := range dims {
		if store.IsTimeDimension(d) {
			return i
		}
	}
	return -1
}

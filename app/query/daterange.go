package query

import (
	"encoding/json"
	"time"

	"github.com/footfallhq/footfall/store"
)

// dateRange resolves a date_range value to [from, to) in now's location.
// Relative ranges follow Plausible: "day" is today so far, "Nd" the N
// whole days before today, "month"/"year" the current calendar period,
// "6mo"/"12mo" the months before and including this one, "all" everything
// since the site was created, and a pair of ISO dates or date-times is
// taken inclusively.
func dateRange(raw json.RawMessage, now time.Time, site store.Site) (from, to time.Time, err error) {
	loc := now.Location()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var named string
	if json.Unmarshal(raw, &named) == nil {
		switch named {
		case "day":
			return today, today.AddDate(0, 0, 1), nil
		case "24h":
			return now.Add(-24 * time.Hour), now, nil
		case "realtime":
			return now.Add(-30 * time.Minute), now, nil
		case "7d", "28d", "30d", "91d":
			n := map[string]int{"7d": 7, "28d": 28, "30d": 30, "91d": 91}[named]
			return today.AddDate(0, 0, -n), today, nil
		case "month":
			first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
			return first, first.AddDate(0, 1, 0), nil
		case "6mo", "12mo":
			n := map[string]int{"6mo": 6, "12mo": 12}[named]
			next := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, 1, 0)
			return next.AddDate(0, -n, 0), next, nil
		case "year":
			first := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc)
			return first, first.AddDate(1, 0, 0), nil
		case "all":
			start := site.CreatedAt
			if start.IsZero() {
				start = time.Unix(0, 0)
			}
			// Events may predate the site row (imports, seeding): go back far.
			start = time.Date(start.In(loc).Year()-30, 1, 1, 0, 0, 0, 0, loc)
			return start, today.AddDate(0, 0, 1), nil
		}
		return from, to, bad("unknown date_range %q: use day, 24h, 7d, 28d, 30d, 91d, month, 6mo, 12mo, year, all, realtime or [\"2026-01-01\", \"2026-01-31\"]", named)
	}
	var pair []string
	if json.Unmarshal(raw, &pair) != nil || len(pair) != 2 {
		return from, to, bad("date_range must be a name like \"7d\" or a pair of ISO dates")
	}
	from, _, err = parseBound(pair[0], loc)
	if err != nil {
		return from, to, err
	}
	to, toDate, err := parseBound(pair[1], loc)
	if err != nil {
		return from, to, err
	}
	if toDate {
		to = to.AddDate(0, 0, 1) // a date as the end means that whole day
	} else {
		to = to.Add(time.Second) // date-times are inclusive to the second, as Plausible sends them
	}
	if !from.Before(to) {
		return from, to, bad("date_range starts after it ends")
	}
	return from, to, nil
}

func parseBound(s string, loc *time.Location) (t time.Time, isDate bool, err error) {
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return d, true, nil
	}
	if d, err := time.Parse(time.RFC3339, s); err == nil {
		return d, false, nil
	}
	return t, false, bad("invalid date %q in date_range: use YYYY-MM-DD or RFC 3339 date-time", s)
}

package duckdb

import (
	"fmt"
	"strings"
	"time"
)

// localMillis returns an SQL expression for the ts column (Unix ms) shifted
// to local wall-clock milliseconds in loc, valid for rows in [from, to).
//
// The offsets come from Go's zone database, not from DuckDB's ICU
// functions, for two reasons measured here: timezone()/AT TIME ZONE cost
// 0.5–3.6 s per million rows against ≈ 40–60 ms for this arithmetic, and
// every backend computing bucket boundaries from the same Go data gives
// identical buckets whatever zone database its engine ships.
//
// A range holds few offset changes (two a year where DST applies), so the
// expression is a constant or a short CASE over UTC instants.
func localMillis(loc *time.Location, from, to time.Time) string {
	if loc == nil {
		return "ts"
	}
	type span struct{ end, offset int64 } // ms; end exclusive
	var spans []span
	for t := from; ; {
		_, off := t.In(loc).Zone()
		_, end := t.In(loc).ZoneBounds()
		o := int64(off) * 1000
		if n := len(spans); n > 0 && spans[n-1].offset == o {
			spans = spans[:n-1] // only the abbreviation changed
		}
		if end.IsZero() || !end.Before(to) {
			spans = append(spans, span{offset: o})
			break
		}
		spans = append(spans, span{end.UnixMilli(), o})
		t = end
	}
	if len(spans) == 1 {
		if spans[0].offset == 0 {
			return "ts"
		}
		return fmt.Sprintf("(ts + %d)", spans[0].offset)
	}
	var b strings.Builder
	b.WriteString("(ts + CASE")
	for _, s := range spans[:len(spans)-1] {
		fmt.Fprintf(&b, " WHEN ts < %d THEN %d", s.end, s.offset)
	}
	fmt.Fprintf(&b, " ELSE %d END)", spans[len(spans)-1].offset)
	return b.String()
}

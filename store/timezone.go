package store

import "time"

// ZoneSpan is a stretch of time over which a zone keeps one UTC offset:
// until End (Unix ms, exclusive; 0 for the last span of a range), local
// wall-clock time is UTC plus Offset milliseconds.
type ZoneSpan struct {
	End, Offset int64
}

// ZoneSpans returns the offsets loc applies over [from, to), in order;
// nil for a nil loc (UTC). Backends shift the stored Unix milliseconds by
// these offsets to bucket rows by local day, hour, week or month: the
// offsets come from Go's zone database, not the engine's, so every
// backend (and every server version) puts rows in the same buckets, and
// the arithmetic is far cheaper than an engine's zone conversion. A range
// holds few changes (two a year where daylight saving applies), so the
// SQL built from them is a constant or a short conditional.
func ZoneSpans(loc *time.Location, from, to time.Time) []ZoneSpan {
	if loc == nil {
		return nil
	}
	var spans []ZoneSpan
	for t := from; ; {
		_, off := t.In(loc).Zone()
		_, end := t.In(loc).ZoneBounds()
		o := int64(off) * 1000
		if n := len(spans); n > 0 && spans[n-1].Offset == o {
			spans = spans[:n-1] // only the abbreviation changed
		}
		if end.IsZero() || !end.Before(to) {
			return append(spans, ZoneSpan{Offset: o})
		}
		spans = append(spans, ZoneSpan{end.UnixMilli(), o})
		t = end
	}
}

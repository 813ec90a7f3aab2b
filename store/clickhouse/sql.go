package clickhouse

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// The compiled SQL carries every value as a literal written here, not as a
// driver parameter: the statement is then complete text, the same on every
// server version, checkable against another engine (chdb) and by the
// tenancy test, which reads the site predicate in it.

// quote returns s as a ClickHouse string literal. Inside single quotes
// only the backslash and the quote are special; every other byte is taken
// as it is. Callers have rejected NUL (Query.Validate).
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func num(n int64) string { return strconv.FormatInt(n, 10) }

// localMillis returns an expression for the ts column (Unix ms) shifted to
// local wall-clock milliseconds in loc, valid for rows in [from, to), from
// the offsets of store.ZoneSpans: a constant or a short multiIf over UTC
// instants.
func localMillis(loc *time.Location, from, to time.Time) string {
	spans := store.ZoneSpans(loc, from, to)
	switch {
	case len(spans) == 0 || len(spans) == 1 && spans[0].Offset == 0:
		return "ts"
	case len(spans) == 1:
		return fmt.Sprintf("(ts + %d)", spans[0].Offset)
	}
	var b strings.Builder
	b.WriteString("(ts + multiIf(")
	for _, s := range spans[:len(spans)-1] {
		fmt.Fprintf(&b, "ts < %d, %d, ", s.End, s.Offset)
	}
	fmt.Fprintf(&b, "%d))", spans[len(spans)-1].Offset)
	return b.String()
}

// bucketSQL returns the label of the time bucket holding the local
// milliseconds local, as text in the layout the API reports: the shifted
// instant is read as a UTC wall clock, truncated, and formatted.
func bucketSQL(dim, local string) (string, bool) {
	dt := "toDateTime(intDiv(" + local + ", 1000), 'UTC')"
	switch dim {
	case "time", "time:day":
		return "toString(toDate(" + dt + "))", true
	case "time:hour":
		return "toString(toStartOfHour(" + dt + "))", true
	case "time:week":
		return "toString(toMonday(" + dt + "))", true // ISO weeks, as DuckDB's date_trunc
	case "time:month":
		return "toString(toStartOfMonth(" + dt + "))", true
	}
	return "", false
}

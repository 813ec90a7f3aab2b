package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// metricSQL maps each metric to its aggregate. Engagement rows are
// excluded from every query in WHERE (see compile), so these need no
// FILTER for them.
var metricSQL = map[string]string{
	"visitors":  "count(DISTINCT visitor_id)",
	"visits":    "count(DISTINCT session_id)",
	"pageviews": "count(*) FILTER (WHERE name = 'pageview')",
	"events":    "count(*)",
}

// timeBuckets maps each time dimension to its date_trunc unit and its
// label format.
var timeBuckets = map[string]struct{ unit, layout string }{
	"time":       {"day", time.DateOnly},
	"time:day":   {"day", time.DateOnly},
	"time:hour":  {"hour", time.DateTime},
	"time:week":  {"week", time.DateOnly}, // DuckDB's weeks start on Monday (ISO)
	"time:month": {"month", time.DateOnly},
}

// Query answers q with one SQL statement (two when an offset skips every
// row and TotalRows must still be counted). Engagement events are ignored:
// every metric defined today counts visits, visitors, pageviews or events
// that someone triggered, and an engagement report only adds measurements
// to a pageview already counted; excluding the rows up front also keeps a
// group made only of engagement rows (a page left after midnight, say)
// from appearing with zero counts. A metric, dimension or filter this
// backend does not know returns an error wrapping store.ErrUnsupported.
func (s *Store) Query(ctx context.Context, q store.Query) (store.Result, error) {
	c, err := compile(q)
	if err != nil {
		return store.Result{}, fmt.Errorf("duckdb: query: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, c.sql, c.args...)
	if err != nil {
		return store.Result{}, fmt.Errorf("duckdb: query: %w", err)
	}
	defer rows.Close()

	nd, nm := len(q.Dimensions), len(q.Metrics)
	res := store.Result{Rows: []store.Row{}}
	dest := make([]any, nd+nm+1)
	strs := make([]string, nd)
	times := make([]time.Time, nd)
	counts := make([]int64, nm)
	var total int64
	for i := range nd {
		if c.timeLayouts[i] != "" {
			dest[i] = &times[i]
		} else {
			dest[i] = &strs[i]
		}
	}
	for i := range nm {
		dest[nd+i] = &counts[i]
	}
	dest[nd+nm] = &total
	if !c.windowTotal {
		dest = dest[:nd+nm]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return store.Result{}, fmt.Errorf("duckdb: query: %w", err)
		}
		r := store.Row{Dimensions: make([]string, nd), Metrics: make([]float64, nm)}
		for i := range nd {
			if l := c.timeLayouts[i]; l != "" {
				r.Dimensions[i] = times[i].Format(l)
			} else {
				r.Dimensions[i] = strs[i]
			}
		}
		for i, n := range counts {
			r.Metrics[i] = float64(n)
		}
		res.Rows = append(res.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return store.Result{}, fmt.Errorf("duckdb: query: %w", err)
	}

	switch {
	case !c.windowTotal:
		res.TotalRows = len(res.Rows)
	case len(res.Rows) > 0:
		res.TotalRows = int(total)
	default:
		// The offset skipped every group, and the window count with them.
		if err := s.db.QueryRowContext(ctx, c.countSQL, c.countArgs...).Scan(&total); err != nil {
			return store.Result{}, fmt.Errorf("duckdb: query: count rows: %w", err)
		}
		res.TotalRows = int(total)
	}
	return res, nil
}

// compiled is a query ready to run. Identifiers in sql come only from the
// maps of store and this package; every value is a parameter, except
// integer constants computed here (time zone offsets).
type compiled struct {
	sql         string
	args        []any
	timeLayouts []string // per dimension: label layout, "" for a column
	windowTotal bool     // sql ends each row with count(*) OVER ()

	countSQL  string // counts the groups, for TotalRows
	countArgs []any
}

func compile(q store.Query) (compiled, error) {
	var c compiled
	var loc *time.Location
	if q.TimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(q.TimeZone); err != nil {
			return c, fmt.Errorf("time zone %q: %w", q.TimeZone, err)
		}
	}

	var sel, group []string
	c.timeLayouts = make([]string, len(q.Dimensions))
	for i, d := range q.Dimensions {
		alias := fmt.Sprintf("d%d", i)
		if col, ok := store.Dimensions[d]; ok {
			sel = append(sel, col+" AS "+alias)
		} else if b, ok := timeBuckets[d]; ok {
			sel = append(sel, fmt.Sprintf("date_trunc('%s', epoch_ms(%s)) AS %s", b.unit, localMillis(loc, q.From, q.To), alias))
			c.timeLayouts[i] = b.layout
		} else {
			return c, fmt.Errorf("dimension %q: %w", d, store.ErrUnsupported)
		}
		group = append(group, alias)
	}
	for i, m := range q.Metrics {
		expr, ok := metricSQL[m]
		if !ok {
			return c, fmt.Errorf("metric %q: %w", m, store.ErrUnsupported)
		}
		sel = append(sel, fmt.Sprintf("%s AS m%d", expr, i))
	}

	var where []string
	where = append(where, "site_id = ?", "ts >= ?", "ts < ?", "name <> 'engagement'")
	args := []any{q.SiteID, ceilMilli(q.From), ceilMilli(q.To)}
	for _, f := range q.Filters {
		cond, err := filterSQL(f, &args)
		if err != nil {
			return c, err
		}
		where = append(where, cond)
	}
	from := " FROM events WHERE " + strings.Join(where, " AND ")
	groupBy := ""
	if len(group) > 0 {
		groupBy = " GROUP BY " + strings.Join(group, ", ")
	}

	orderBy, err := orderSQL(q)
	if err != nil {
		return c, err
	}

	c.windowTotal = q.Limit > 0 || q.Offset > 0
	if c.windowTotal {
		// Window functions run after grouping: this counts groups, before
		// LIMIT and OFFSET.
		sel = append(sel, "count(*) OVER () AS total")
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(sel, ", ") + from + groupBy + orderBy)
	c.args = slices.Clone(args)
	if q.Limit > 0 {
		b.WriteString(" LIMIT ?")
		c.args = append(c.args, q.Limit)
	}
	if q.Offset > 0 {
		b.WriteString(" OFFSET ?")
		c.args = append(c.args, q.Offset)
	}
	c.sql = b.String()

	if len(group) == 0 {
		c.countSQL = "SELECT 1" // an ungrouped aggregate is always one row
	} else {
		c.countSQL = "SELECT count(*) FROM (SELECT " + strings.Join(sel[:len(group)], ", ") + from + groupBy + ")"
		c.countArgs = args
	}
	return c, nil
}

// orderSQL returns the ORDER BY clause: q.OrderBy, else the first metric
// descending, then every dimension not yet named, ascending, so that the
// order is total and identical across backends.
func orderSQL(q store.Query) (string, error) {
	var keys []string
	used := map[string]bool{}
	add := func(key string, desc bool) error {
		alias := ""
		if i := slices.Index(q.Metrics, key); i >= 0 {
			alias = fmt.Sprintf("m%d", i)
		} else if i := slices.Index(q.Dimensions, key); i >= 0 {
			alias = fmt.Sprintf("d%d", i)
		} else {
			return fmt.Errorf("order by %q, which is not a metric or dimension of the query: %w", key, store.ErrUnsupported)
		}
		if used[alias] {
			return nil
		}
		used[alias] = true
		if desc {
			alias += " DESC"
		}
		keys = append(keys, alias)
		return nil
	}
	for _, o := range q.OrderBy {
		if err := add(o.Key, o.Desc); err != nil {
			return "", err
		}
	}
	if len(q.OrderBy) == 0 && len(q.Metrics) > 0 && len(q.Dimensions) > 0 {
		if err := add(q.Metrics[0], true); err != nil {
			return "", err
		}
	}
	for _, d := range q.Dimensions {
		if err := add(d, false); err != nil {
			return "", err
		}
	}
	if len(q.Dimensions) == 0 {
		return "", nil // one row
	}
	return " ORDER BY " + strings.Join(keys, ", "), nil
}

// filterSQL compiles f, appending its values to args. Columns are NOT
// NULL, so NOT IN and NOT need no NULL handling: "" is a value like any
// other.
func filterSQL(f store.Filter, args *[]any) (string, error) {
	switch f.Op {
	case "and", "or":
		if len(f.Children) == 0 {
			return "", fmt.Errorf("filter %q without operands: %w", f.Op, store.ErrUnsupported)
		}
		parts := make([]string, len(f.Children))
		for i, ch := range f.Children {
			p, err := filterSQL(ch, args)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "(" + strings.Join(parts, " "+strings.ToUpper(f.Op)+" ") + ")", nil
	case "not":
		if len(f.Children) != 1 {
			return "", fmt.Errorf("filter \"not\" with %d operands: %w", len(f.Children), store.ErrUnsupported)
		}
		p, err := filterSQL(f.Children[0], args)
		if err != nil {
			return "", err
		}
		return "(NOT " + p + ")", nil
	}

	col, ok := store.Dimensions[f.Dimension]
	if !ok {
		return "", fmt.Errorf("filter on %q: %w", f.Dimension, store.ErrUnsupported)
	}
	if len(f.Values) == 0 {
		return "", fmt.Errorf("filter on %q without values: %w", f.Dimension, store.ErrUnsupported)
	}
	marks := strings.Repeat("?, ", len(f.Values)-1) + "?"
	switch f.Op {
	case "is", "is_not":
		for _, v := range f.Values {
			*args = append(*args, v)
		}
		op := " IN "
		if f.Op == "is_not" {
			op = " NOT IN "
		}
		return col + op + "(" + marks + ")", nil
	case "contains", "contains_not":
		parts := make([]string, len(f.Values))
		for i, v := range f.Values {
			// lower() on both sides rather than ILIKE: no pattern
			// characters to escape, and Unicode case folding.
			parts[i] = "contains(lower(" + col + "), lower(?))"
			*args = append(*args, v)
		}
		cond := "(" + strings.Join(parts, " OR ") + ")"
		if f.Op == "contains_not" {
			cond = "(NOT " + cond + ")"
		}
		return cond, nil
	}
	return "", fmt.Errorf("filter operator %q: %w", f.Op, store.ErrUnsupported)
}

// Count returns how many rows (engagement reports included) the site has
// in [from, to); zero times mean unbounded.
func (s *Store) Count(ctx context.Context, siteID int64, from, to time.Time) (int64, error) {
	query := "SELECT count(*) FROM events WHERE site_id = ?"
	args := []any{siteID}
	if !from.IsZero() {
		query += " AND ts >= ?"
		args = append(args, ceilMilli(from))
	}
	if !to.IsZero() {
		query += " AND ts < ?"
		args = append(args, ceilMilli(to))
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("duckdb: count events of site %d: %w", siteID, err)
	}
	return n, nil
}

// ceilMilli returns t in Unix milliseconds, rounded up: stored times are
// whole milliseconds, so "ts >= ceil(t)" and "ts < ceil(t)" are exactly
// "at or after t" and "before t" even for a t between two milliseconds.
func ceilMilli(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Sub(time.UnixMilli(ms)) > 0 {
		ms++
	}
	return ms
}

package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

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
// row and TotalRows must still be counted). The semantics are those of
// storetest.Evaluate; the statement is built from these parts, each only
// when the query needs it:
//
//	r   the site's rows in range, engagement reports renamed "pageview"
//	s   one row per session: pageviews, custom events, duration, exit page
//	g   the site's goals as a VALUES list
//	b   rows passing the non-goal filters, with their dimension values and
//	    whether they pass the goal filters (conv)
//	m   rows of b that pass them, one per goal completed when grouping by
//	    event:goal
//	agg per group: counts, revenue, performance samples
//	sm  per group: session metrics, over one row per (group, session)
//	pm  per group: page metrics, over one row per (group, session, path)
//
// Metric values come back exact (ratios as doubles, computed the way the
// oracle computes them, so that ordering agrees) and are rounded here.
func (s *Store) Query(ctx context.Context, q store.Query) (store.Result, error) {
	c, err := s.plan(ctx, q)
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
	vals := make([]sql.NullFloat64, nm)
	var total int64
	for i := range nd {
		if c.timeLayouts[i] != "" {
			dest[i] = &times[i]
		} else {
			dest[i] = &strs[i]
		}
	}
	for i := range nm {
		dest[nd+i] = &vals[i]
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
		for i, v := range vals {
			r.Metrics[i] = store.Round(q.Metrics[i], v.Float64) // NULL: a ratio over nothing
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

// plan compiles q, from rollups where they cover part of its range.
func (s *Store) plan(ctx context.Context, q store.Query) (compiled, error) {
	if goalBreakdown(q) {
		days, err := s.goalRolledDays(ctx, q)
		if err != nil {
			return compiled{}, fmt.Errorf("rolled-up goal days: %w", err)
		}
		if len(days) > 0 {
			return compileGoalsRolled(q, days)
		}
	}
	if seriesRollable(q) {
		days, err := s.seriesRolledDays(ctx, q)
		if err != nil {
			return compiled{}, fmt.Errorf("rolled-up series days: %w", err)
		}
		if len(days) > 0 {
			return compileSeriesRolled(q, days)
		}
	}
	if rollable(q) {
		days, err := s.rolledDays(ctx, q.SiteID, q.From, q.To)
		if err != nil {
			return compiled{}, fmt.Errorf("rolled-up days: %w", err)
		}
		if len(days) > 0 {
			return compileRolled(q, days)
		}
	}
	if store.VisitLevel(q) && validZone(q) {
		// Filtered or by two dimensions: the visits of settled days as
		// they were rolled up.
		days, err := s.sessionDays(ctx, q.SiteID, q.From, q.To)
		if err != nil {
			return compiled{}, fmt.Errorf("rolled-up visits: %w", err)
		}
		if len(days) > 0 {
			return compileVisits(q, days)
		}
	}
	return compile(q)
}

// validZone reports whether q's time zone, if any, is known: compile
// reports the error otherwise.
func validZone(q store.Query) bool {
	if q.TimeZone == "" {
		return true
	}
	_, err := time.LoadLocation(q.TimeZone)
	return err == nil
}

// Explain returns how DuckDB runs q, with the time and rows of every
// operator (EXPLAIN ANALYZE of the statement Query would run; the query is
// executed). `footfall bench query --explain` prints it.
func (s *Store) Explain(ctx context.Context, q store.Query) (string, error) {
	c, err := s.plan(ctx, q)
	if err != nil {
		return "", fmt.Errorf("duckdb: explain: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, "EXPLAIN ANALYZE "+c.sql, c.args...)
	if err != nil {
		return "", fmt.Errorf("duckdb: explain: %w", err)
	}
	defer rows.Close()
	var out strings.Builder
	for rows.Next() {
		var kind, plan string
		if err := rows.Scan(&kind, &plan); err != nil {
			return "", fmt.Errorf("duckdb: explain: %w", err)
		}
		out.WriteString(plan)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("duckdb: explain: %w", err)
	}
	return out.String(), nil
}

package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// dayMillis is the length of a visitor day.
const dayMillis = 86_400_000

// A visitor day is rolled up once it is over and quiet: its salt only
// continues visits across midnight, and a visit ends after 30 idle
// minutes, so an hour without events for it means no more will come
// (a late one, replayed from the queue after an outage, drops the
// rollup again: see unroll).
const quietFor = time.Hour

// eventRolledDims are the event dimensions rolled up, summed over events
// rather than visits.
var eventRolledDims = []string{"event:hostname", "event:name", "event:page"}

// rolledDims are the visit dimensions rolled up: every attribute stamped
// on a visit's events, and its exit page.
func rolledDims() []string {
	var dims []string
	for d := range store.Dimensions {
		if strings.HasPrefix(d, "visit:") {
			dims = append(dims, d)
		}
	}
	slices.Sort(dims)
	return append(dims, store.DimExitPage)
}

// Rollup builds the rollups of every visitor day that ended before the
// day of before, has had no events for quietFor before before, and has
// none yet, for every site. Each visitor day is rolled up in a
// transaction of its own, so memory stays that of one day's events
// whatever the backlog. It returns how many (site, visitor day) pairs it
// rolled up. A scheduled job calls it; queries use rollups where they
// give the same answer (see compileRolled) and read raw events elsewhere.
func (s *Store) Rollup(ctx context.Context, before time.Time) (int, error) {
	today := before.UnixMilli() / dayMillis
	cutoff := before.Add(-quietFor).UnixMilli()
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT e.visitor_id >> 32 AS vday
		FROM events e ANTI JOIN rollup_days d ON d.site_id = e.site_id AND d.vday = e.visitor_id >> 32
		WHERE e.visitor_id < ?::UBIGINT ORDER BY vday`, uint64(today)<<32)
	if err != nil {
		return 0, fmt.Errorf("duckdb: rollup: find visitor days: %w", err)
	}
	var days []int64
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return 0, fmt.Errorf("duckdb: rollup: %w", err)
		}
		days = append(days, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("duckdb: rollup: %w", err)
	}
	total := 0
	for _, day := range days {
		n, err := s.rollupDay(ctx, day, cutoff)
		if err != nil {
			return total, err
		}
		total += n
	}
	// The visits of the days just rolled up, and of any rolled up before
	// rollup_sessions existed.
	if _, err := s.rollupSessions(ctx); err != nil {
		return total, err
	}
	return total, nil
}

// rollupDay rolls up one visitor day for every site whose events of that
// day ended before cutoff.
func (s *Store) rollupDay(ctx context.Context, day, cutoff int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("duckdb: rollup: %w", err)
	}
	defer tx.Rollback()
	// Visitor-id bounds rather than visitor_id >> 32: zone maps skip the
	// other days.
	lo, hi := uint64(day)<<32, uint64(day+1)<<32
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE new_days AS
		SELECT e.site_id, e.visitor_id >> 32 AS vday, min(e.ts) AS min_ts, max(e.ts) AS max_ts
		FROM events e ANTI JOIN rollup_days d ON d.site_id = e.site_id AND d.vday = e.visitor_id >> 32
		WHERE e.visitor_id >= ?::UBIGINT AND e.visitor_id < ?::UBIGINT
		GROUP BY ALL
		HAVING max(e.ts) < ?`, lo, hi, cutoff); err != nil {
		return 0, fmt.Errorf("duckdb: rollup: find sites of day %d: %w", day, err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM new_days").Scan(&n); err != nil {
		return 0, fmt.Errorf("duckdb: rollup: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	bounds := " AND e.visitor_id >= " + strconv.FormatUint(lo, 10) + "::UBIGINT AND e.visitor_id < " + strconv.FormatUint(hi, 10) + "::UBIGINT"
	dims := rolledDims()
	var cols []string
	for _, d := range dims {
		if col, ok := store.Dimensions[d]; ok {
			cols = append(cols, "any_value("+col+") AS "+col)
		}
	}
	var b strings.Builder
	b.WriteString("INSERT INTO rollup_visits WITH v AS (SELECT e.site_id, any_value(e.visitor_id) AS visitor_id, " +
		"any_value(e.visitor_id >> 32) AS vday, " +
		"count(*) FILTER (WHERE name <> 'engagement') AS n_act, " +
		"count(*) FILTER (WHERE name = 'pageview') AS s_pv, " +
		"count(*) FILTER (WHERE name NOT IN ('pageview', 'engagement')) AS s_ce, " +
		"max(ts) - min(ts) AS s_dur, " +
		"coalesce(arg_max(pathname, (ts, pathname)) FILTER (WHERE name = 'pageview'), '') AS s_exit, " +
		strings.Join(cols, ", ") +
		" FROM events e SEMI JOIN new_days n ON n.site_id = e.site_id AND n.vday = e.visitor_id >> 32 WHERE true" + bounds +
		" GROUP BY e.site_id, e.session_id HAVING n_act > 0)")
	const sums = "count(DISTINCT visitor_id), count(*), sum(s_pv), sum(n_act), count(*) FILTER (WHERE s_pv <= 1 AND s_ce = 0), sum(s_dur)"
	b.WriteString(" SELECT site_id, vday, '', '', " + sums + " FROM v GROUP BY site_id, vday")
	for _, d := range dims {
		col := "s_exit"
		if c, ok := store.Dimensions[d]; ok {
			col = c
		}
		b.WriteString(" UNION ALL SELECT site_id, vday, '" + d + "', " + col + ", " + sums + " FROM v GROUP BY site_id, vday, " + col)
	}
	if _, err := tx.ExecContext(ctx, b.String()); err != nil {
		return 0, fmt.Errorf("duckdb: rollup: sum visits of day %d: %w", day, err)
	}
	// Event dimensions: distinct visitors and visits per value and day,
	// over activity (engagement reports count for nothing).
	b.Reset()
	b.WriteString("INSERT INTO rollup_visits ")
	for i, d := range eventRolledDims {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		col := store.Dimensions[d]
		b.WriteString("SELECT e.site_id, e.visitor_id >> 32, '" + d + "', " + col + ", count(DISTINCT visitor_id), count(DISTINCT session_id), " +
			"count(*) FILTER (WHERE name = 'pageview'), count(*), 0, 0 " +
			"FROM events e SEMI JOIN new_days n ON n.site_id = e.site_id AND n.vday = e.visitor_id >> 32 " +
			"WHERE name <> 'engagement'" + bounds + " GROUP BY e.site_id, e.visitor_id >> 32, " + col)
	}
	if _, err := tx.ExecContext(ctx, b.String()); err != nil {
		return 0, fmt.Errorf("duckdb: rollup: sum events of day %d: %w", day, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO rollup_days SELECT site_id, vday, min_ts, max_ts FROM new_days"); err != nil {
		return 0, fmt.Errorf("duckdb: rollup: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE new_days"); err != nil {
		return 0, fmt.Errorf("duckdb: rollup: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("duckdb: rollup: commit: %w", err)
	}
	return n, nil
}

// unroll drops, inside a write transaction, the rollups of visitor days
// that events being appended belong to: such late events (a queue
// replayed after a long outage) would make them wrong. The next Rollup
// builds them again.
func unroll(ctx context.Context, exec func(ctx context.Context, query string, args ...any) error, events []store.Event, now time.Time) error {
	today := now.UnixMilli() / dayMillis
	type key struct{ site, vday int64 }
	seen := map[key]bool{}
	for i := range events {
		vd := int64(events[i].VisitorID >> 32)
		if vd >= today {
			continue // not over: cannot have a rollup yet
		}
		k := key{events[i].SiteID, vd}
		if seen[k] {
			continue
		}
		seen[k] = true
		for _, table := range rollupTables {
			if err := exec(ctx, "DELETE FROM "+table+" WHERE site_id = ? AND vday = ?", k.site, k.vday); err != nil {
				return fmt.Errorf("drop rollups of site %d day %d: %w", k.site, k.vday, err)
			}
		}
	}
	return nil
}

// rolledDays returns the site's rolled-up visitor days whose events all
// lie in [from, to), ascending.
func (s *Store) rolledDays(ctx context.Context, site int64, from, to time.Time) ([]int64, error) {
	return s.days(ctx, "SELECT vday FROM rollup_days WHERE site_id = ? AND min_ts >= ? AND max_ts < ? ORDER BY vday",
		site, ceilMilli(from), ceilMilli(to))
}

// rollable reports whether q can take days from the rollups: no filters,
// at most one dimension, and either a visit-level query or one by an
// event dimension asking for counts.
func rollable(q store.Query) bool {
	if len(q.Filters) > 0 || len(q.Dimensions) > 1 {
		return false
	}
	return store.VisitLevel(q) || eventRollable(q)
}

// eventRollable reports whether q is a breakdown by a rolled-up event
// dimension that asks for counts only.
func eventRollable(q store.Query) bool {
	if len(q.Dimensions) != 1 || !slices.Contains(eventRolledDims, q.Dimensions[0]) {
		return false
	}
	for _, m := range q.Metrics {
		if !slices.Contains(store.CountMetrics, m) {
			return false
		}
	}
	return true
}

// compileRolled compiles a rollable query using the rollups of days: the
// visits of those days come summed from rollup_visits, the rest of the
// range from raw events (as compileVisits reads them), and the two parts
// add up, since no visitor or visit is in both.
func compileRolled(q store.Query, days []int64) (compiled, error) {
	var c compiled
	k := &compiler{q: q, goalDim: -1}
	dim := ""
	if len(q.Dimensions) == 1 {
		dim = q.Dimensions[0]
		if code, ok := store.NameDimensions[dim]; ok {
			dim = code
		}
		k.dims = []string{"d0"}
	}
	// Parameters go in as the text is written, so their order is the
	// text's.
	var b builder
	cols := strings.Join(k.columns(), ", ")
	scan := func() {
		b.WriteString("SELECT " + cols + " FROM events WHERE site_id = " + b.param(q.SiteID) +
			" AND ts >= " + b.param(ceilMilli(q.From)) + " AND ts < " + b.param(ceilMilli(q.To)))
	}

	// r: the range's events of visitor days not rolled up.
	b.WriteString("WITH r AS (")
	scan()
	b.notDays(days)
	b.WriteString(")")

	events := eventRollable(q)
	sel0, group, value := "", "", ""
	if dim != "" {
		col := k.column(&b, dim)
		if dim == "event:name" {
			col = "name" // activity rows only: no engagement to rename
		}
		sel0, group, value = "d0, ", " GROUP BY d0", ", "+col+" AS d0"
	}
	if events {
		// The raw part by event: counts over activity rows.
		b.WriteString(", u AS (SELECT " + sel0 + "count(DISTINCT visitor_id) AS visitors, count(DISTINCT session_id) AS visits, " +
			"count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events, 0 AS bounces, 0 AS duration " +
			"FROM (SELECT *" + value + " FROM r WHERE name <> 'engagement')" + group)
	} else {
		// v: one row per raw visit, as in compileVisits.
		b.WriteString(", v AS (SELECT session_id, any_value(visitor_id) AS visitor_id, " +
			"count(*) FILTER (WHERE name <> 'engagement') AS n_act, " +
			"count(*) FILTER (WHERE name = 'pageview') AS s_pv, " +
			"count(*) FILTER (WHERE name NOT IN ('pageview', 'engagement')) AS s_ce, " +
			"max(ts) - min(ts) AS s_dur")
		if dim == store.DimExitPage {
			b.WriteString(", coalesce(arg_max(pathname, (ts, pathname)) FILTER (WHERE name = 'pageview'), '') AS s_exit")
		}
		for _, col := range k.columns() {
			switch col {
			case "ts", "visitor_id", "session_id", "name", "pathname":
			default:
				b.WriteString(", any_value(" + col + ") AS " + col)
			}
		}
		b.WriteString(" FROM r GROUP BY session_id HAVING n_act > 0)")
		// u: the raw part's sums and the rolled days' sums, per value.
		b.WriteString(", u AS (SELECT " + sel0 + "count(DISTINCT visitor_id) AS visitors, count(*) AS visits, sum(s_pv) AS pageviews, " +
			"sum(n_act) AS events, count(*) FILTER (WHERE s_pv <= 1 AND s_ce = 0) AS bounces, sum(s_dur) AS duration " +
			"FROM (SELECT *" + value + " FROM v)" + group)
	}
	b.WriteString(" UNION ALL SELECT " + strings.Replace(sel0, "d0", "value AS d0", 1) +
		"sum(visitors), sum(visits), sum(pageviews), sum(events), sum(bounces), sum(duration) FROM rollup_visits WHERE site_id = " +
		b.param(q.SiteID) + " AND dim = " + b.param(dim) + " AND vday IN ")
	b.dayList(days)
	if dim != "" {
		b.WriteString(" GROUP BY value")
	}
	b.WriteString(")")
	percentage := slices.Contains(q.Metrics, "percentage")
	if percentage {
		raw := "(SELECT count(DISTINCT visitor_id) FROM v)"
		if events {
			raw = "(SELECT count(DISTINCT visitor_id) FROM r WHERE name <> 'engagement')"
		}
		b.WriteString(", tot AS (SELECT " + raw + " + " +
			"coalesce((SELECT sum(visitors) FROM rollup_visits WHERE site_id = " + b.param(q.SiteID) + " AND dim = '' AND vday IN ")
		b.dayList(days)
		b.WriteString("), 0) AS tot_all)")
	}
	b.WriteString(", g AS (SELECT " + sel0 + "sum(visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews, " +
		"sum(events) AS events, sum(bounces) AS bounces, sum(duration) AS duration FROM u" + group + ")")

	sel := slices.Clone(k.dims)
	for i, m := range q.Metrics {
		var expr string
		switch m {
		case "visitors":
			expr = "visitors::DOUBLE"
		case "visits":
			expr = "visits::DOUBLE"
		case "pageviews":
			expr = "pageviews::DOUBLE"
		case "events":
			expr = "events::DOUBLE"
		case "percentage":
			expr = "100::DOUBLE * visitors / nullif(tot_all, 0)"
		case "views_per_visit":
			expr = "pageviews::DOUBLE / nullif(visits, 0)"
		case "bounce_rate":
			expr = "100::DOUBLE * bounces / nullif(visits, 0)"
		case "visit_duration":
			expr = "duration::DOUBLE / nullif(visits, 0) / 1000"
		default:
			return c, fmt.Errorf("metric %q from rollups: %w", m, store.ErrUnsupported)
		}
		sel = append(sel, "coalesce("+expr+", 0) AS m"+strconv.Itoa(i))
	}
	from := " FROM g"
	if percentage {
		from += " CROSS JOIN tot"
	}
	where := ""
	if dim != "" {
		where = " WHERE visits > 0"
	}
	orderBy, err := orderSQL(q)
	if err != nil {
		return c, err
	}
	c.timeLayouts = make([]string, len(q.Dimensions))
	countFrom := ""
	if dim != "" {
		countFrom = from + where
	}
	c.finish(q, &b, sel, from+where, orderBy, countFrom)
	return c, nil
}

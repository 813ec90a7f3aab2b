package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/footfallhq/footfall/store"
)

// seriesRolledMetrics are the metrics the series rollups hold.
var seriesRolledMetrics = []string{"visitors", "visits", "pageviews", "events", "views_per_visit", "bounce_rate", "visit_duration"}

// RollupSeries computes the daily series in time zone tz for the site's
// rolled-up visitor days that lack it, a day at a time. The rollup job
// calls it after Rollup with each site's zone. It returns how many rows
// it wrote.
func (s *Store) RollupSeries(ctx context.Context, site int64, tz string) (int, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		return 0, fmt.Errorf("duckdb: series rollup: time zone %q: %w", tz, store.ErrUnsupported)
	}
	days, err := s.days(ctx, "SELECT vday FROM rollup_days WHERE site_id = ? AND vday NOT IN "+
		"(SELECT vday FROM rollup_series WHERE site_id = ? AND tz = ?) ORDER BY vday", site, site, tz)
	if err != nil {
		return 0, fmt.Errorf("duckdb: series rollup: %w", err)
	}
	total := 0
	for _, day := range days {
		n, err := s.rollupSeriesDay(ctx, site, day, tz, loc)
		if err != nil {
			return total, fmt.Errorf("duckdb: series rollup of site %d in %s, day %d: %w", site, tz, day, err)
		}
		total += n
	}
	return total, nil
}

func (s *Store) rollupSeriesDay(ctx context.Context, site, day int64, tz string, loc *time.Location) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lo, hi *int64
	if err := s.db.QueryRowContext(ctx, "SELECT min_ts, max_ts FROM rollup_days WHERE site_id = ? AND vday = ?", site, day).Scan(&lo, &hi); err != nil {
		return 0, err
	}
	local := localMillis(loc, time.UnixMilli(*lo), time.UnixMilli(*hi+1))
	var b builder
	b.WriteString("INSERT INTO rollup_series WITH e AS (SELECT ts, visitor_id, session_id, name FROM events WHERE site_id = " + b.param(site) +
		" AND visitor_id >= " + b.visitorBound(day) + " AND visitor_id < " + b.visitorBound(day+1) + ")" +
		", s AS (SELECT session_id, count(*) FILTER (WHERE name = 'pageview') AS s_pv, " +
		"count(*) FILTER (WHERE name NOT IN ('pageview', 'engagement')) AS s_ce, max(ts) - min(ts) AS s_dur FROM e GROUP BY session_id)" +
		", x AS (SELECT date_trunc('day', epoch_ms(" + local + ")) AS day, visitor_id, session_id, name " +
		"FROM e WHERE name <> 'engagement')" +
		", c AS (SELECT day, count(DISTINCT visitor_id) AS visitors, count(DISTINCT session_id) AS visits, " +
		"count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events FROM x GROUP BY day)" +
		", v AS (SELECT day, count(*) FILTER (WHERE s_pv <= 1 AND s_ce = 0) AS bounces, sum(s_dur) AS duration, sum(s_pv) AS s_pv " +
		"FROM (SELECT DISTINCT day, session_id FROM x) JOIN s USING (session_id) GROUP BY day)" +
		" SELECT " + b.param(site) + ", " + b.param(day) + ", " + b.param(tz) + ", day, visitors, visits, pageviews, events, bounces, duration, s_pv FROM c JOIN v USING (day)")
	res, err := s.db.ExecContext(ctx, b.String(), b.args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// seriesRollable reports whether q is a daily series the series rollups
// can answer: by time:day alone, no filters, counts and visit metrics.
func seriesRollable(q store.Query) bool {
	if len(q.Filters) > 0 || len(q.Dimensions) != 1 || (q.Dimensions[0] != "time:day" && q.Dimensions[0] != "time") {
		return false
	}
	for _, m := range q.Metrics {
		if !slices.Contains(seriesRolledMetrics, m) {
			return false
		}
	}
	return true
}

// seriesZone is the zone name series rollups of q are kept under.
func seriesZone(q store.Query) string {
	if q.TimeZone == "" {
		return "UTC"
	}
	return q.TimeZone
}

// seriesRolledDays returns the rolled-up days fully in q's range that
// have the series of q's zone.
func (s *Store) seriesRolledDays(ctx context.Context, q store.Query) ([]int64, error) {
	return s.days(ctx, "SELECT DISTINCT d.vday FROM rollup_days d SEMI JOIN rollup_series r ON r.site_id = d.site_id AND r.vday = d.vday AND r.tz = ? "+
		"WHERE d.site_id = ? AND d.min_ts >= ? AND d.max_ts < ? ORDER BY d.vday", seriesZone(q), q.SiteID, ceilMilli(q.From), ceilMilli(q.To))
}

// compileSeriesRolled compiles a daily series taking days from the series
// rollups and the rest of the range from raw events, with the general
// path's semantics: a visit counts on every local day it was active,
// with its whole-visit figures.
func compileSeriesRolled(q store.Query, days []int64) (compiled, error) {
	var c compiled
	loc, err := time.LoadLocation(seriesZone(q))
	if err != nil {
		return c, fmt.Errorf("time zone %q: %w", q.TimeZone, err)
	}
	var b builder
	b.WriteString("WITH r AS (SELECT ts, visitor_id, session_id, name FROM events WHERE site_id = " + b.param(q.SiteID) +
		" AND ts >= " + b.param(ceilMilli(q.From)) + " AND ts < " + b.param(ceilMilli(q.To)))
	b.notDays(days)
	b.WriteString(")")
	b.WriteString(", s AS (SELECT session_id, count(*) FILTER (WHERE name = 'pageview') AS s_pv, " +
		"count(*) FILTER (WHERE name NOT IN ('pageview', 'engagement')) AS s_ce, max(ts) - min(ts) AS s_dur FROM r GROUP BY session_id)" +
		", x AS (SELECT date_trunc('day', epoch_ms(" + localMillis(loc, q.From, q.To) + ")) AS d0, visitor_id, session_id, name FROM r WHERE name <> 'engagement')" +
		", c AS (SELECT d0, count(DISTINCT visitor_id) AS visitors, count(DISTINCT session_id) AS visits, " +
		"count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events FROM x GROUP BY d0)" +
		", v AS (SELECT d0, count(*) FILTER (WHERE s_pv <= 1 AND s_ce = 0) AS bounces, sum(s_dur) AS duration, sum(s_pv) AS visit_pv " +
		"FROM (SELECT DISTINCT d0, session_id FROM x) JOIN s USING (session_id) GROUP BY d0)" +
		", u AS (SELECT d0, visitors, visits, pageviews, events, bounces, duration, visit_pv FROM c JOIN v USING (d0)" +
		" UNION ALL SELECT day, visitors, visits, pageviews, events, bounces, duration, visit_pv FROM rollup_series WHERE site_id = " +
		b.param(q.SiteID) + " AND tz = " + b.param(seriesZone(q)) + " AND vday IN ")
	b.dayList(days)
	b.WriteString("), g AS (SELECT d0, sum(visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews, sum(events) AS events, " +
		"sum(bounces) AS bounces, sum(duration) AS duration, sum(visit_pv) AS visit_pv FROM u GROUP BY d0)")
	sel := []string{"d0"}
	for i, m := range q.Metrics {
		var expr string
		switch m {
		case "visitors", "visits", "pageviews", "events":
			expr = m + "::DOUBLE"
		case "views_per_visit":
			expr = "visit_pv::DOUBLE / nullif(visits, 0)"
		case "bounce_rate":
			expr = "100::DOUBLE * bounces / nullif(visits, 0)"
		case "visit_duration":
			expr = "duration::DOUBLE / nullif(visits, 0) / 1000"
		default:
			return c, fmt.Errorf("metric %q from series rollups: %w", m, store.ErrUnsupported)
		}
		sel = append(sel, "coalesce("+expr+", 0) AS m"+strconv.Itoa(i))
	}
	orderBy, err := orderSQL(q)
	if err != nil {
		return c, err
	}
	c.timeLayouts = []string{time.DateOnly}
	from := " FROM g WHERE events > 0"
	c.finish(q, &b, sel, from, orderBy, from)
	return c, nil
}

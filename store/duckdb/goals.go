package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/footfallhq/footfall/store"
)

// goalKey identifies a goal by its definition.
func goalKey(g store.Goal) string {
	if g.EventName != "" {
		return "event:" + g.EventName
	}
	return "page:" + g.Page
}

// goalCondition is the SQL condition (over columns name and pathname of
// activity rows) of completing g, with its parameters.
func goalCondition(b *builder, g store.Goal, from string) string {
	if g.EventName != "" {
		return "name = " + b.param(g.EventName)
	}
	// The expression is tried on the distinct paths, not on every row.
	return "name = 'pageview' AND pathname IN (SELECT DISTINCT pathname FROM " + from +
		" WHERE regexp_matches(pathname, " + b.param(store.PageRegexp(g.Page)) + "))"
}

// RollupGoals computes, for the site's rolled-up visitor days that lack
// them, the completions of each goal, a day at a time (memory stays that
// of one day). The rollup job calls it after Rollup with the site's
// current goals. It returns how many (day, goal) rows it wrote.
func (s *Store) RollupGoals(ctx context.Context, site int64, goals []store.Goal) (int, error) {
	total := 0
	seen := map[string]bool{}
	for _, g := range goals {
		key := goalKey(g)
		if seen[key] {
			continue
		}
		seen[key] = true
		days, err := s.days(ctx, "SELECT vday FROM rollup_days WHERE site_id = ? AND vday NOT IN "+
			"(SELECT vday FROM rollup_goals WHERE site_id = ? AND goal = ?) ORDER BY vday", site, site, key)
		if err != nil {
			return total, fmt.Errorf("duckdb: roll up goal %q of site %d: %w", key, site, err)
		}
		for _, day := range days {
			n, err := s.rollupGoalDay(ctx, site, day, g)
			if err != nil {
				return total, fmt.Errorf("duckdb: roll up goal %q of site %d, day %d: %w", key, site, day, err)
			}
			total += n
		}
	}
	return total, nil
}

func (s *Store) rollupGoalDay(ctx context.Context, site, day int64, g store.Goal) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b builder
	b.WriteString("INSERT INTO rollup_goals WITH e AS (SELECT visitor_id, session_id, name, pathname FROM events WHERE site_id = " +
		b.param(site) + " AND visitor_id >= " + b.visitorBound(day) + " AND visitor_id < " + b.visitorBound(day+1) +
		" AND name <> 'engagement')" +
		", x AS (SELECT count(DISTINCT visitor_id) AS visitors, count(DISTINCT session_id) AS visits, " +
		"count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events FROM e WHERE ")
	b.WriteString(goalCondition(&b, g, "e"))
	b.WriteString(") SELECT " + b.param(site) + ", " + b.param(day) + ", " + b.param(goalKey(g)) + ", visitors, visits, pageviews, events FROM x")
	res, err := s.db.ExecContext(ctx, b.String(), b.args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// days runs a query returning visitor days.
func (s *Store) days(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var days []int64
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		days = append(days, d)
	}
	return days, rows.Err()
}

// goalBreakdown reports whether q is the dashboard's goals panel: a
// breakdown by event:goal alone, without filters, asking for counts and
// conversion rates, which goal rollups can answer.
func goalBreakdown(q store.Query) bool {
	if len(q.Filters) > 0 || len(q.Dimensions) != 1 || q.Dimensions[0] != store.DimGoal || len(q.Goals) == 0 {
		return false
	}
	for _, m := range q.Metrics {
		if !slices.Contains(store.CountMetrics, m) && !slices.Contains(store.ConversionMetrics, m) {
			return false
		}
	}
	return true
}

// goalRolledDays returns the rolled-up days fully in q's range that have
// every goal of q computed.
func (s *Store) goalRolledDays(ctx context.Context, q store.Query) ([]int64, error) {
	keys := map[string]bool{}
	for _, g := range q.Goals {
		keys[goalKey(g)] = true
	}
	var b builder
	b.WriteString("SELECT d.vday FROM rollup_days d JOIN rollup_goals g ON g.site_id = d.site_id AND g.vday = d.vday WHERE d.site_id = " +
		b.param(q.SiteID) + " AND d.min_ts >= " + b.param(ceilMilli(q.From)) + " AND d.max_ts < " + b.param(ceilMilli(q.To)) + " AND g.goal IN (")
	i := 0
	for k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(b.param(k))
		i++
	}
	b.WriteString(") GROUP BY d.vday HAVING count(*) = " + strconv.Itoa(len(keys)) + " ORDER BY d.vday")
	return s.days(ctx, b.String(), b.args...)
}

// compileGoalsRolled compiles a goal breakdown taking the given days from
// the goal rollups and the rest of the range from raw events. Every rate's
// base is all visitors in range (there are no filters): the visit rollups'
// totals plus the raw part's.
func compileGoalsRolled(q store.Query, days []int64) (compiled, error) {
	var c compiled
	var b builder
	// r is read once per goal: materialised, the events are scanned once.
	b.WriteString("WITH r AS MATERIALIZED (SELECT visitor_id, session_id, name, pathname FROM events WHERE site_id = " + b.param(q.SiteID) +
		" AND ts >= " + b.param(ceilMilli(q.From)) + " AND ts < " + b.param(ceilMilli(q.To)) + " AND name <> 'engagement'")
	b.notDays(days)
	b.WriteString(")")
	// u: per goal, the raw part's counts and the rolled days' sums.
	b.WriteString(", u AS (")
	for i, g := range q.Goals {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT " + b.param(g.Name) + "::VARCHAR AS d0, count(DISTINCT visitor_id) AS visitors, count(DISTINCT session_id) AS visits, " +
			"count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events FROM r WHERE ")
		b.WriteString(goalCondition(&b, g, "r"))
		b.WriteString(" UNION ALL SELECT " + b.param(g.Name) + "::VARCHAR, sum(visitors), sum(visits), sum(pageviews), sum(events) " +
			"FROM rollup_goals WHERE site_id = " + b.param(q.SiteID) + " AND goal = " + b.param(goalKey(g)) + " AND vday IN ")
		b.dayList(days)
	}
	b.WriteString(")")
	b.WriteString(", g AS (SELECT d0, sum(visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews, sum(events) AS events FROM u GROUP BY d0)")
	b.WriteString(", tot AS (SELECT (SELECT count(DISTINCT visitor_id) FROM r) + coalesce((SELECT sum(visitors) FROM rollup_visits WHERE site_id = " +
		b.param(q.SiteID) + " AND dim = '' AND vday IN ")
	b.dayList(days)
	b.WriteString("), 0) AS tot)")
	sel := []string{"d0"}
	for i, m := range q.Metrics {
		var expr string
		switch m {
		case "visitors", "visits", "pageviews", "events":
			expr = m + "::DOUBLE"
		case "percentage", "conversion_rate", "group_conversion_rate":
			expr = "100::DOUBLE * visitors / nullif(tot, 0)"
		default:
			return c, fmt.Errorf("metric %q in a goal breakdown: %w", m, store.ErrUnsupported)
		}
		sel = append(sel, "coalesce("+expr+", 0) AS m"+strconv.Itoa(i))
	}
	orderBy, err := orderSQL(q)
	if err != nil {
		return c, err
	}
	c.timeLayouts = []string{""}
	// A goal nobody completed forms no group, as on the raw path.
	from := " FROM g CROSS JOIN tot WHERE events > 0"
	c.finish(q, &b, sel, from, orderBy, from)
	return c, nil
}

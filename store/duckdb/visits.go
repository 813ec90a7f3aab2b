package duckdb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/footfallhq/footfall/store"
)

// compileVisits compiles a visit-level query: v holds one row per visit
// with activity in range (its stamped attributes, counts, duration and
// exit page), and groups are made of visits. The visits of days (visitor
// days whose events all lie in the range, see sessionDays) come as they
// are from rollup_sessions, the others from raw events: no visit is in
// both, and each row is the one raw events would give.
func compileVisits(q store.Query, days []int64) (compiled, error) {
	var c compiled
	k := &compiler{q: q, goalDim: -1}
	exit := slices.Contains(q.Dimensions, store.DimExitPage) || slices.ContainsFunc(q.Filters, usesExitPage)
	var attrs []string
	for _, col := range k.columns() {
		switch col {
		case "ts", "visitor_id", "session_id", "name", "pathname":
		default:
			attrs = append(attrs, col)
		}
	}
	var b builder
	// Filters on stamped attributes hold for all of a visit's events or
	// none: applied to the events, they leave whole visits and spare the
	// grouping of all the others. Filters on the exit page need the visit.
	var rowFilters, visitFilters []store.Filter
	for _, f := range q.Filters {
		if usesExitPage(f) {
			visitFilters = append(visitFilters, f)
		} else {
			rowFilters = append(rowFilters, f)
		}
	}
	b.WriteString("WITH r AS (SELECT " + strings.Join(k.columns(), ", ") +
		" FROM events WHERE site_id = " + b.param(q.SiteID) +
		" AND ts >= " + b.param(ceilMilli(q.From)) + " AND ts < " + b.param(ceilMilli(q.To)))
	if len(days) > 0 {
		b.notDays(days)
	}
	if len(rowFilters) > 0 {
		b.WriteString(" AND ")
		if err := k.filters(&b, rowFilters); err != nil {
			return c, err
		}
	}
	b.WriteString(")")
	b.WriteString(", v AS (SELECT session_id, any_value(visitor_id) AS visitor_id, " +
		"count(*) FILTER (WHERE name <> 'engagement') AS n_act, " +
		"count(*) FILTER (WHERE name = 'pageview') AS s_pv, " +
		"count(*) FILTER (WHERE name NOT IN ('pageview', 'engagement')) AS s_ce, " +
		"max(ts) - min(ts) AS s_dur")
	if exit {
		b.WriteString(", coalesce(arg_max(pathname, (ts, pathname)) FILTER (WHERE name = 'pageview'), '') AS s_exit")
	}
	for _, a := range attrs {
		// Stamped on every event of the visit: any row's value is the visit's.
		b.WriteString(", any_value(" + a + ") AS " + a)
	}
	b.WriteString(" FROM r GROUP BY session_id")
	if len(days) > 0 {
		b.WriteString(" UNION ALL SELECT session_id, visitor_id, n_act, s_pv, s_ce, s_dur")
		if exit {
			b.WriteString(", s_exit")
		}
		for _, a := range attrs {
			b.WriteString(", " + a)
		}
		b.WriteString(" FROM rollup_sessions WHERE site_id = " + b.param(q.SiteID) + " AND vday IN ")
		b.dayList(days)
		if len(rowFilters) > 0 {
			b.WriteString(" AND ")
			if err := k.filters(&b, rowFilters); err != nil {
				return c, err
			}
		}
	}
	b.WriteString(")")

	b.WriteString(", b AS (SELECT *")
	for i, d := range q.Dimensions {
		alias := "d" + strconv.Itoa(i)
		k.dims = append(k.dims, alias)
		b.WriteString(", " + k.column(&b, d) + " AS " + alias)
	}
	b.WriteString(" FROM v WHERE n_act > 0")
	if len(visitFilters) > 0 {
		b.WriteString(" AND ")
		if err := k.filters(&b, visitFilters); err != nil {
			return c, err
		}
	}
	b.WriteString(")")

	groupBy := ""
	if len(k.dims) > 0 {
		groupBy = " GROUP BY " + strings.Join(k.dims, ", ")
	}
	sel := slices.Clone(k.dims)
	for i, m := range q.Metrics {
		var expr string
		switch m {
		case "visitors":
			expr = "count(DISTINCT visitor_id)::DOUBLE"
		case "visits":
			expr = "count(*)::DOUBLE"
		case "pageviews":
			expr = "sum(s_pv)::DOUBLE"
		case "events":
			expr = "sum(n_act)::DOUBLE"
		case "percentage":
			expr = "100::DOUBLE * count(DISTINCT visitor_id) / nullif(any_value(tot.tot_all), 0)"
		case "views_per_visit":
			expr = "sum(s_pv)::DOUBLE / nullif(count(*), 0)"
		case "bounce_rate":
			expr = "100::DOUBLE * count(*) FILTER (WHERE s_pv <= 1 AND s_ce = 0) / nullif(count(*), 0)"
		case "visit_duration":
			expr = "sum(s_dur)::DOUBLE / nullif(count(*), 0) / 1000"
		default:
			return c, fmt.Errorf("metric %q at visit level: %w", m, store.ErrUnsupported)
		}
		sel = append(sel, "coalesce("+expr+", 0) AS m"+strconv.Itoa(i))
	}
	from := " FROM b"
	if slices.Contains(q.Metrics, "percentage") {
		b.WriteString(", tot AS (SELECT count(DISTINCT visitor_id) AS tot_all FROM b)")
		from += " CROSS JOIN tot"
	}
	orderBy, err := orderSQL(q)
	if err != nil {
		return c, err
	}
	c.timeLayouts = make([]string, len(q.Dimensions))
	countFrom := ""
	if len(k.dims) > 0 {
		countFrom = " FROM (SELECT " + strings.Join(k.dims, ", ") + from + groupBy + ")"
	}
	c.finish(q, &b, sel, from+groupBy, orderBy, countFrom)
	return c, nil
}

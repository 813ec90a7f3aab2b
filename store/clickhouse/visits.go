package clickhouse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/footfallhq/footfall/store"
)

// compileVisits compiles a visit-level query: v holds one row per visit
// with activity in range (its stamped attributes, counts, duration and
// exit page), and groups are made of visits.
func compileVisits(q store.Query) (compiled, error) {
	k, err := newCompiler(q)
	if err != nil {
		return compiled{}, err
	}
	k.goalDim = -1
	exit := slices.Contains(q.Dimensions, store.DimExitPage) || slices.ContainsFunc(q.Filters, usesExitPage)
	var attrs []string
	for _, col := range k.columns() {
		switch col {
		case "ts", "visitor_id", "session_id", "name", "pathname":
		default:
			attrs = append(attrs, col)
		}
	}
	// Filters on stamped attributes hold for all of a visit's events or
	// none: applied to the events, they leave whole visits. Filters on the
	// exit page need the visit.
	var rowFilters, visitFilters []store.Filter
	for _, f := range q.Filters {
		if usesExitPage(f) {
			visitFilters = append(visitFilters, f)
		} else {
			rowFilters = append(rowFilters, f)
		}
	}
	r := "SELECT " + strings.Join(k.columns(), ", ") + " FROM events WHERE " + k.siteRange()
	if len(rowFilters) > 0 {
		w, err := k.filters(rowFilters)
		if err != nil {
			return compiled{}, err
		}
		r += " AND " + w
	}
	// The stamped attributes are the same on every row of a visit, and a
	// visit has one visitor: grouping by them as well as the session gives
	// one row per visit and keeps their names (an alias equal to a column
	// name inside an aggregate confuses ClickHouse's analyser).
	keys := append([]string{"session_id", "visitor_id"}, attrs...)
	vSel := append(slices.Clone(keys),
		"countIf(name != 'engagement') AS n_act",
		"countIf(name = 'pageview') AS s_pv",
		"countIf(name NOT IN ('pageview', 'engagement')) AS s_ce",
		"max(ts) - min(ts) AS s_dur")
	if exit {
		vSel = append(vSel, exitSQL("name = 'pageview'")+" AS s_exit")
	}
	v := "SELECT " + strings.Join(vSel, ", ") + " FROM (" + r + ") GROUP BY " + strings.Join(keys, ", ")

	bSel := []string{"visitor_id", "n_act", "s_pv", "s_ce", "s_dur"}
	for i, d := range q.Dimensions {
		bSel = append(bSel, k.column(d)+" AS "+k.dims[i])
	}
	b := "SELECT " + strings.Join(bSel, ", ") + " FROM (" + v + ") WHERE n_act > 0"
	if len(visitFilters) > 0 {
		w, err := k.filters(visitFilters)
		if err != nil {
			return compiled{}, err
		}
		b += " AND " + w
	}
	from := b
	if slices.Contains(q.Metrics, "percentage") {
		cols := append([]string{"visitor_id", "n_act", "s_pv", "s_ce", "s_dur"}, k.dims...)
		from = "SELECT " + strings.Join(cols, ", ") + ", tot_all FROM (" + b + ") CROSS JOIN (SELECT uniqExact(visitor_id) AS tot_all FROM (" + b + "))"
	}

	groupBy := ""
	if len(k.dims) > 0 {
		groupBy = " GROUP BY " + strings.Join(k.dims, ", ")
	}
	sel := slices.Clone(k.dims)
	for i, m := range q.Metrics {
		var expr string
		switch m {
		case "visitors":
			expr = "uniqExact(visitor_id)"
		case "visits":
			expr = "count()"
		case "pageviews":
			expr = "sum(s_pv)"
		case "events":
			expr = "sum(n_act)"
		case "percentage":
			expr = "100 * uniqExact(visitor_id) / nullIf(any(tot_all), 0)"
		case "views_per_visit":
			expr = "toFloat64(sum(s_pv)) / nullIf(count(), 0)"
		case "bounce_rate":
			expr = "100 * countIf(s_pv <= 1 AND s_ce = 0) / nullIf(count(), 0)"
		case "visit_duration":
			expr = "toFloat64(sum(s_dur)) / nullIf(count(), 0) / 1000"
		default:
			return compiled{}, fmt.Errorf("metric %q at visit level: %w", m, store.ErrUnsupported)
		}
		sel = append(sel, "toFloat64(ifNull("+expr+", 0)) AS m"+strconv.Itoa(i))
	}
	orderBy, err := orderSQL(q)
	if err != nil {
		return compiled{}, err
	}
	c := compiled{grouped: len(k.dims) > 0}
	c.sql = "SELECT " + strings.Join(sel, ", ") + " FROM (" + from + ")" + groupBy + orderBy + limitSQL(q)
	if c.grouped {
		c.countSQL = "SELECT count() FROM (SELECT " + strings.Join(k.dims, ", ") + " FROM (" + b + ")" + groupBy + ")"
	}
	return c, nil
}

package duckdb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/footfallhq/footfall/store"
)

// perfOnly reports whether q asks for performance metrics only (the web
// vitals panel), grouped by at most one dimension that is a column of
// the row, with filters on such columns: then no visit, session or goal
// needs to be assembled, and compilePerf reads just the columns involved.
func perfOnly(q store.Query) bool {
	if len(q.Metrics) == 0 || len(q.Dimensions) > 1 {
		return false
	}
	for _, m := range q.Metrics {
		if _, ok := store.ParsePerfMetric(m); !ok {
			return false
		}
	}
	plain := func(d string) bool {
		if code, ok := store.NameDimensions[d]; ok {
			d = code
		}
		if d == "event:name" || d == store.DimExitPage || d == store.DimGoal || store.IsTimeDimension(d) {
			return false
		}
		_, ok := store.Dimensions[d]
		return ok || strings.HasPrefix(d, store.PropsPrefix)
	}
	for _, d := range q.Dimensions {
		if !plain(d) {
			return false
		}
	}
	var filters func(fs []store.Filter) bool
	filters = func(fs []store.Filter) bool {
		for _, f := range fs {
			if f.Dimension != "" && !plain(f.Dimension) {
				return false
			}
			if !filters(f.Children) {
				return false
			}
		}
		return true
	}
	return filters(q.Filters)
}

// compilePerf compiles a perfOnly query: one pass over the rows in range
// that pass the filters, carrying the dimension, the event name (a group
// exists only with activity, as on the general path) and the measured
// columns. Percentiles and bands are those of the general path.
func compilePerf(q store.Query) (compiled, error) {
	var c compiled
	k := &compiler{q: q, goalDim: -1}
	var b builder
	cols := []string{"name"}
	for _, m := range q.Metrics {
		pm, _ := store.ParsePerfMetric(m)
		if !slices.Contains(cols, pm.Column) {
			cols = append(cols, pm.Column)
		}
	}
	b.WriteString("WITH r AS (SELECT " + strings.Join(cols, ", "))
	if len(q.Dimensions) == 1 {
		k.dims = []string{"d0"}
		b.WriteString(", " + k.column(&b, q.Dimensions[0]) + " AS d0")
	}
	b.WriteString(" FROM events WHERE site_id = " + b.param(q.SiteID) +
		" AND ts >= " + b.param(ceilMilli(q.From)) + " AND ts < " + b.param(ceilMilli(q.To)))
	if len(q.Filters) > 0 {
		b.WriteString(" AND ")
		if err := k.filters(&b, q.Filters); err != nil {
			return c, err
		}
	}
	b.WriteString(")")
	b.WriteString(", agg AS (SELECT ")
	if len(k.dims) > 0 {
		b.WriteString("d0, ")
	}
	b.WriteString("count(*) FILTER (WHERE name <> 'engagement') AS n_act")
	for _, m := range q.Metrics {
		pm, _ := store.ParsePerfMetric(m)
		col := pm.Column + "::DOUBLE"
		if pm.Band == "" {
			fmt.Fprintf(&b, ", quantile_disc(%s, %s) AS p_%s", col, strconv.FormatFloat(pm.Quantile, 'f', -1, 64), m)
			continue
		}
		fmt.Fprintf(&b, ", 100::DOUBLE * count(*) FILTER (WHERE %s) / nullif(count(%s), 0) AS p_%s", bandCondition(pm, col), col, m)
	}
	b.WriteString(" FROM r")
	if len(k.dims) > 0 {
		b.WriteString(" GROUP BY d0")
	}
	b.WriteString(")")
	sel := slices.Clone(k.dims)
	for i, m := range q.Metrics {
		sel = append(sel, metricSQL(m)+" AS m"+strconv.Itoa(i))
	}
	where := ""
	if len(k.dims) > 0 {
		where = " WHERE n_act > 0"
	}
	orderBy, err := orderSQL(q)
	if err != nil {
		return c, err
	}
	c.timeLayouts = make([]string, len(q.Dimensions))
	countFrom := ""
	if len(k.dims) > 0 {
		countFrom = " FROM agg" + where
	}
	c.finish(q, &b, sel, " FROM agg"+where, orderBy, countFrom)
	return c, nil
}

// bandCondition is the SQL condition that the measurement col lies in
// pm's band.
func bandCondition(pm store.PerfMetric, col string) string {
	good, poor := strconv.FormatFloat(pm.Good, 'f', -1, 64), strconv.FormatFloat(pm.Poor, 'f', -1, 64)
	switch pm.Band {
	case "good":
		return col + " <= " + good + "::DOUBLE"
	case "poor":
		return col + " > " + poor + "::DOUBLE"
	}
	return col + " > " + good + "::DOUBLE AND " + col + " <= " + poor + "::DOUBLE"
}

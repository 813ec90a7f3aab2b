package clickhouse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/footfallhq/footfall/store"
)

// compileVisits compiles a visit-level query (store.VisitLevel) into one
// pass over the site's rows in range: v groups them by session alone, one
// row per visit with its counts, duration, exit page and, for each
// dimension, any() of the stamped attribute, then the groups are made of
// those visits.
//
// Grouping by the session's 8-byte id and taking any() of the attributes
// is what makes this fast: they are the same on every event of a visit
// (ingestion stamps them from its first event), so any() is exact, and the
// server hashes one integer per row instead of every attribute's string.
// The same fact answers the two side questions without grouping visits
// again: the visitors in the whole set (for percentage) are those of the
// rows that are not engagement reports, and the groups a page leaves out
// (for TotalRows) are the distinct attribute values of those rows. Both
// hold only while no filter or dimension needs the visit as a whole (the
// exit page); then the visits are grouped a second time.
func compileVisits(q store.Query) (compiled, error) {
	k, err := newCompiler(q)
	if err != nil {
		return compiled{}, err
	}
	k.goalDim = -1
	exitDim := slices.Contains(q.Dimensions, store.DimExitPage)
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
	rows := "FROM events WHERE " + k.siteRange()
	if len(rowFilters) > 0 {
		w, err := k.filters(rowFilters)
		if err != nil {
			return compiled{}, err
		}
		rows += " AND " + w
	}
	// Whether the active rows stand for the visits (see above).
	rowsSuffice := !exitDim && len(visitFilters) == 0
	active := rows + " AND name != 'engagement'"
	if rowsSuffice && !slices.ContainsFunc(q.Metrics, wholeVisit) {
		return compileFlat(q, k, active)
	}

	// v: one row per visit. Aliases differ from every column name: an
	// alias equal to a column inside an aggregate confuses the analyser of
	// older servers.
	vSel := []string{
		"any(visitor_id) AS v_visitor",
		"countIf(name != 'engagement') AS n_act",
		"countIf(name = 'pageview') AS s_pv",
		"countIf(name NOT IN ('pageview', 'engagement')) AS s_ce",
		"max(ts) - min(ts) AS s_dur",
	}
	if exitDim || len(visitFilters) > 0 {
		vSel = append(vSel, exitSQL("name = 'pageview'")+" AS s_exit")
	}
	bSel := []string{"v_visitor", "n_act", "s_pv", "s_ce", "s_dur"}
	for i, d := range q.Dimensions {
		if d == store.DimExitPage {
			bSel = append(bSel, "s_exit AS "+k.dims[i])
			continue
		}
		vSel = append(vSel, "any("+k.column(d)+") AS "+k.dims[i])
		bSel = append(bSel, k.dims[i])
	}
	v := "SELECT " + strings.Join(vSel, ", ") + " " + rows + " GROUP BY session_id"
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
		tot := "SELECT uniqExact(v_visitor) AS tot_all FROM (" + b + ")"
		if rowsSuffice {
			tot = "SELECT uniqExact(visitor_id) AS tot_all " + active
		}
		from = "SELECT " + strings.Join(append(slices.Clone(bSel[:5]), k.dims...), ", ") + ", tot_all FROM (" + b + ") AS vl CROSS JOIN (" + tot + ") AS vr"
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
			expr = "uniqExact(v_visitor)"
		case "visits":
			expr = "count()"
		case "pageviews":
			expr = "sum(s_pv)"
		case "events":
			expr = "sum(n_act)"
		case "percentage":
			expr = "100 * uniqExact(v_visitor) / nullIf(any(tot_all), 0)"
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
		if rowsSuffice {
			cols := make([]string, len(q.Dimensions))
			for i, d := range q.Dimensions {
				cols[i] = k.column(d) + " AS " + k.dims[i]
			}
			c.countSQL = "SELECT count() FROM (SELECT " + strings.Join(cols, ", ") + " " + active + groupBy + ")"
		} else {
			c.countSQL = "SELECT count() FROM (SELECT " + strings.Join(k.dims, ", ") + " FROM (" + b + ")" + groupBy + ")"
		}
	}
	return c, nil
}

// wholeVisit reports whether metric m needs each visit as a whole (its
// pageviews, custom events and duration together) rather than counts that
// any row adds to.
func wholeVisit(m string) bool {
	return m == "bounce_rate" || m == "views_per_visit" || m == "visit_duration"
}

// compileFlat compiles a visit-level query whose metrics are all counts
// over the active rows (store.VisitLevel, no exit page, no wholeVisit
// metric): the attributes being the same on every row of a visit, a
// visit's group is that of any of its rows, so the groups are made of the
// rows directly, with no grouping by visit at all. active reads the rows
// that are not engagement reports, filters applied.
func compileFlat(q store.Query, k *compiler, active string) (compiled, error) {
	sel := make([]string, 0, len(q.Dimensions)+len(q.Metrics))
	for i, d := range q.Dimensions {
		sel = append(sel, k.column(d)+" AS "+k.dims[i])
	}
	pct := slices.Contains(q.Metrics, "percentage")
	for i, m := range q.Metrics {
		var expr string
		switch m {
		case "visitors":
			expr = "uniqExact(visitor_id)"
		case "visits":
			expr = "uniqExact(session_id)"
		case "pageviews":
			expr = "countIf(name = 'pageview')"
		case "events":
			expr = "count()"
		case "percentage":
			expr = "uniqExact(visitor_id)" // divided by the total below
		default:
			return compiled{}, fmt.Errorf("metric %q over rows: %w", m, store.ErrUnsupported)
		}
		alias := "m" + strconv.Itoa(i)
		if m == "percentage" {
			alias = "pv" + strconv.Itoa(i) // m<i> is the ratio, outside
		}
		sel = append(sel, "toFloat64("+expr+") AS "+alias)
	}
	groupBy := ""
	if len(k.dims) > 0 {
		groupBy = " GROUP BY " + strings.Join(k.dims, ", ")
	}
	orderBy, err := orderSQL(q)
	if err != nil {
		return compiled{}, err
	}
	g := "SELECT " + strings.Join(sel, ", ") + " " + active + groupBy
	c := compiled{grouped: len(k.dims) > 0}
	if pct {
		out := slices.Clone(k.dims)
		for i, m := range q.Metrics {
			a := "m" + strconv.Itoa(i)
			if m == "percentage" {
				a = "toFloat64(ifNull(100 * pv" + strconv.Itoa(i) + " / nullIf(tot_all, 0), 0)) AS " + a
			}
			out = append(out, a)
		}
		c.sql = "SELECT " + strings.Join(out, ", ") + " FROM (" + g + ") AS fl CROSS JOIN (SELECT uniqExact(visitor_id) AS tot_all " + active + ") AS fr" +
			orderBy + limitSQL(q)
	} else {
		c.sql = g + orderBy + limitSQL(q)
	}
	if c.grouped {
		c.countSQL = "SELECT count() FROM (SELECT " + strings.Join(sel[:len(k.dims)], ", ") + " " + active + groupBy + ")"
	}
	return c, nil
}

package duckdb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// compiled is a query ready to run. Identifiers in sql come only from the
// tables of store and this package; every value from the query is a
// parameter, except integers and thresholds computed here.
type compiled struct {
	sql         string
	args        []any
	timeLayouts []string // per dimension: label layout, "" for a column
	windowTotal bool     // sql ends each row with count(*) OVER ()

	countSQL  string // counts the groups, for TotalRows
	countArgs []any
}

// builder accumulates SQL text and its parameters in order.
type builder struct {
	strings.Builder
	args []any
}

func (b *builder) param(v any) string {
	b.args = append(b.args, v)
	return "?"
}

// visitorBound writes a visitor-id bound as a parameter of the column's
// type: the driver binds a uint64 as HUGEINT, and a comparison of
// visitor_id cast to HUGEINT can use no zone map.
func (b *builder) visitorBound(day int64) string {
	return b.param(uint64(day)<<32) + "::UBIGINT"
}

// dayList writes a parenthesised list of visitor days as parameters.
func (b *builder) dayList(days []int64) {
	b.WriteString("(")
	for i, d := range days {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(b.param(d))
	}
	b.WriteString(")")
}

// notDays writes " AND " and the condition that an event belongs to none
// of the visitor days: as visitor-id ranges when the days are one run, so
// the zone maps of visitor_id skip them.
func (b *builder) notDays(days []int64) {
	if first, last := days[0], days[len(days)-1]; last-first+1 == int64(len(days)) {
		b.WriteString(" AND (visitor_id < " + b.visitorBound(first) + " OR visitor_id >= " + b.visitorBound(last+1) + ")")
		return
	}
	b.WriteString(" AND visitor_id >> 32 NOT IN ")
	b.dayList(days)
}

// finish completes c after its parts (b): the final SELECT of sel from
// from, ordered, paginated, with the statement counting the groups
// (SELECT count(*) and countFrom; "" for one ungrouped row).
func (c *compiled) finish(q store.Query, b *builder, sel []string, from, orderBy, countFrom string) {
	c.windowTotal = q.Limit > 0 || q.Offset > 0
	if c.windowTotal {
		// Window functions run after WHERE: this counts groups, before
		// LIMIT and OFFSET.
		sel = append(sel, "count(*) OVER () AS total")
	}
	head := b.String()
	c.sql = head + " SELECT " + strings.Join(sel, ", ") + from + orderBy
	c.args = slices.Clone(b.args)
	if q.Limit > 0 {
		c.sql += " LIMIT ?"
		c.args = append(c.args, q.Limit)
	}
	if q.Offset > 0 {
		c.sql += " OFFSET ?"
		c.args = append(c.args, q.Offset)
	}
	if countFrom == "" {
		c.countSQL = "SELECT 1" // an ungrouped aggregate is always one row
		return
	}
	c.countSQL = head + " SELECT count(*)" + countFrom
	c.countArgs = slices.Clone(b.args)
}

// compiler holds what compile works out about a query.
type compiler struct {
	q        store.Query
	loc      *time.Location
	goalDim  int // index of event:goal in q.Dimensions, -1 if absent
	goals    map[string]store.Goal
	dims     []string // aliases d0, d1, …
	nonGoal  []string // the aliases of dimensions other than event:goal
	sessions bool     // the s CTE is needed

	goalFilters, otherFilters []store.Filter // top-level filters on event:goal, and the rest
}

func compile(q store.Query) (compiled, error) {
	if q.TimeZone != "" {
		if _, err := time.LoadLocation(q.TimeZone); err != nil {
			return compiled{}, fmt.Errorf("time zone %q: %w", q.TimeZone, err)
		}
	}
	if store.VisitLevel(q) {
		return compileVisits(q, nil)
	}
	if perfOnly(q) {
		return compilePerf(q)
	}
	var c compiled
	k := &compiler{q: q, goalDim: slices.Index(q.Dimensions, store.DimGoal), goals: map[string]store.Goal{}}
	if q.TimeZone != "" {
		var err error
		if k.loc, err = time.LoadLocation(q.TimeZone); err != nil {
			return c, fmt.Errorf("time zone %q: %w", q.TimeZone, err)
		}
	}
	for _, g := range q.Goals {
		k.goals[g.Name] = g
	}
	for i, d := range q.Dimensions {
		if !store.IsDimension(d) {
			return c, fmt.Errorf("dimension %q: %w", d, store.ErrUnsupported)
		}
		alias := "d" + strconv.Itoa(i)
		k.dims = append(k.dims, alias)
		if i != k.goalDim {
			k.nonGoal = append(k.nonGoal, alias)
		}
		if d == store.DimExitPage {
			k.sessions = true
		}
	}
	var need struct{ session, page, totals, groupConv bool }
	for _, m := range q.Metrics {
		if !slices.Contains(store.Metrics, m) {
			return c, fmt.Errorf("metric %q: %w", m, store.ErrUnsupported)
		}
		switch {
		case slices.Contains(store.SessionMetrics, m):
			need.session = true
			k.sessions = true
		case slices.Contains(store.PageMetrics, m):
			need.page = true
		case m == "group_conversion_rate":
			need.groupConv = true
		case m == "percentage" || m == "conversion_rate":
			need.totals = true
		}
	}
	var goalFilters, otherFilters []store.Filter
	for _, f := range q.Filters {
		if f.Dimension == store.DimGoal {
			goalFilters = append(goalFilters, f)
		} else {
			otherFilters = append(otherFilters, f)
		}
		if usesExitPage(f) {
			k.sessions = true
		}
	}

	k.goalFilters, k.otherFilters = goalFilters, otherFilters
	var b builder
	c.timeLayouts = make([]string, len(q.Dimensions))
	if err := k.head(&b, c.timeLayouts); err != nil {
		return c, err
	}

	// m: the rows that count, one per goal completed by event:goal. Page
	// goals are matched against the distinct paths (a few thousand), not
	// every row, and joined back by path.
	if k.goalDim >= 0 {
		d := k.dims[k.goalDim]
		b.WriteString(", gp AS (SELECT p.pathname, g.goal FROM (SELECT DISTINCT pathname FROM r WHERE ename = 'pageview') AS p " +
			"JOIN g ON g.goal_re <> '' AND regexp_matches(p.pathname, g.goal_re))" +
			", m AS (SELECT b.*, g.goal AS " + d + " FROM b JOIN g ON g.goal_event <> '' AND b.ename = g.goal_event WHERE conv" +
			" UNION ALL SELECT b.*, gp.goal AS " + d + " FROM b JOIN gp ON b.ename = 'pageview' AND b.pathname = gp.pathname WHERE conv)")
	} else {
		b.WriteString(", m AS (SELECT * FROM b WHERE conv)")
	}

	groupBy := ""
	if len(k.dims) > 0 {
		groupBy = " GROUP BY " + strings.Join(k.dims, ", ")
	}
	dimList := func(prefix string) string {
		if len(k.dims) == 0 {
			return ""
		}
		return strings.Join(k.dims, ", ") + prefix
	}

	// agg: counts and samples over the rows of each group.
	// Distinct counts are the costly part: only those asked for are made.
	b.WriteString(", agg AS (SELECT " + dimList(", ") + "count(*) FILTER (WHERE act) AS n_act")
	if slices.ContainsFunc(q.Metrics, func(m string) bool {
		return m == "visitors" || m == "percentage" || slices.Contains(store.ConversionMetrics, m)
	}) {
		b.WriteString(", count(DISTINCT visitor_id) FILTER (WHERE act) AS n_visitors")
	}
	if slices.Contains(q.Metrics, "visits") {
		b.WriteString(", count(DISTINCT session_id) FILTER (WHERE act) AS n_visits")
	}
	if slices.Contains(q.Metrics, "pageviews") {
		b.WriteString(", count(*) FILTER (WHERE act AND name = 'pageview') AS n_pageviews")
	}
	if slices.ContainsFunc(q.Metrics, func(m string) bool { return slices.Contains(store.RevenueMetrics, m) }) {
		b.WriteString(", sum(revenue_amount) FILTER (WHERE act) AS rev_sum, count(revenue_amount) FILTER (WHERE act) AS rev_n")
	}
	for _, m := range q.Metrics {
		pm, ok := store.ParsePerfMetric(m)
		if !ok {
			continue
		}
		col := pm.Column + "::DOUBLE"
		alias := "p_" + m
		if pm.Band == "" {
			fmt.Fprintf(&b, ", quantile_disc(%s, %s) AS %s", col, strconv.FormatFloat(pm.Quantile, 'f', -1, 64), alias)
			continue
		}
		fmt.Fprintf(&b, ", 100::DOUBLE * count(*) FILTER (WHERE %s) / nullif(count(%s), 0) AS %s", bandCondition(pm, col), col, alias)
	}
	b.WriteString(" FROM m" + groupBy + ")")

	from := "agg"
	join := func(cte string) {
		if len(k.dims) == 0 {
			from += " CROSS JOIN " + cte
		} else {
			from += " LEFT JOIN " + cte + " USING (" + strings.Join(k.dims, ", ") + ")"
		}
	}
	if need.session {
		b.WriteString(", sm AS (SELECT " + dimList(", ") +
			"count(*) AS sm_visits, sum(s_pv) AS sm_pv, " +
			"count(*) FILTER (WHERE s_pv <= 1 AND s_ce = 0) AS sm_bounced, sum(s_dur) AS sm_dur " +
			"FROM (SELECT " + dimList(", ") + "session_id, any_value(s_pv) AS s_pv, any_value(s_ce) AS s_ce, any_value(s_dur) AS s_dur " +
			"FROM m WHERE act GROUP BY " + dimList(", ") + "session_id)" + groupBy + ")")
		join("sm")
	}
	if need.page {
		b.WriteString(", pm AS (SELECT " + dimList(", ") +
			"sum(sd) AS pm_sd, count(sd) AS pm_sd_n, sum(em) AS pm_em, count(em) AS pm_em_n " +
			"FROM (SELECT " + dimList(", ") + "session_id, pathname, max(scroll_depth) AS sd, sum(engagement_ms) AS em " +
			"FROM m WHERE scroll_depth IS NOT NULL OR engagement_ms IS NOT NULL GROUP BY " + dimList(", ") + "session_id, pathname)" + groupBy + ")")
		join("pm")
	}
	if need.totals {
		// The denominators of percentage and conversion_rate.
		b.WriteString(", tot AS (SELECT count(DISTINCT visitor_id) FILTER (WHERE conv) AS tot_all, " +
			"count(DISTINCT visitor_id) AS tot_base FROM b WHERE act)")
		from += " CROSS JOIN tot"
	}
	if need.groupConv {
		b.WriteString(", gb AS (SELECT " + strings.Join(append(slices.Clone(k.nonGoal), ""), ", ") +
			"count(DISTINCT visitor_id) AS gb_visitors FROM b WHERE act")
		if len(k.nonGoal) > 0 {
			b.WriteString(" GROUP BY " + strings.Join(k.nonGoal, ", "))
		}
		b.WriteString(")")
		if len(k.nonGoal) == 0 {
			from += " CROSS JOIN gb"
		} else {
			from += " LEFT JOIN gb USING (" + strings.Join(k.nonGoal, ", ") + ")"
		}
	}

	// The final select: dimensions, then every metric as an exact double.
	var sel []string
	sel = append(sel, k.dims...)
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
	countFrom := ""
	if len(k.dims) > 0 {
		countFrom = " FROM " + from + where
	}
	c.finish(q, &b, sel, " FROM "+from+where, orderBy, countFrom)
	return c, nil
}

// head writes the parts every statement starts with: r, s (when
// k.sessions), g (when grouping by goal) and b, recording each time
// dimension's label layout.
func (k *compiler) head(b *builder, timeLayouts []string) error {
	// r: the rows in range. Every later part reads these columns only.
	// Filters on stamped visit attributes keep or drop whole visits, so
	// they apply here, before sessions are summed, and spare the work on
	// every other visit; the others need the sessions (s) or apply to
	// rows, in b.
	var visitFilters, rowFilters []store.Filter
	for _, f := range k.otherFilters {
		if stampedOnly(f) {
			visitFilters = append(visitFilters, f)
		} else {
			rowFilters = append(rowFilters, f)
		}
	}
	b.WriteString("WITH r AS (SELECT " + strings.Join(k.columns(), ", ") + ", name <> 'engagement' AS act, " +
		"CASE WHEN name = 'engagement' THEN 'pageview' ELSE name END AS ename " +
		"FROM events WHERE site_id = " + b.param(k.q.SiteID) +
		" AND ts >= " + b.param(ceilMilli(k.q.From)) + " AND ts < " + b.param(ceilMilli(k.q.To)))
	if len(visitFilters) > 0 {
		b.WriteString(" AND ")
		if err := k.filters(b, visitFilters); err != nil {
			return err
		}
	}
	b.WriteString(")")
	if k.sessions {
		b.WriteString(", s AS (SELECT session_id, " +
			"count(*) FILTER (WHERE name = 'pageview') AS s_pv, " +
			"count(*) FILTER (WHERE act AND name <> 'pageview') AS s_ce, " +
			"max(ts) - min(ts) AS s_dur, " +
			"coalesce(arg_max(pathname, (ts, pathname)) FILTER (WHERE name = 'pageview'), '') AS s_exit " +
			"FROM r GROUP BY session_id)")
	}
	if k.goalDim >= 0 {
		b.WriteString(", g AS (SELECT * FROM (VALUES ")
		for i, g := range k.q.Goals {
			if i > 0 {
				b.WriteString(", ")
			}
			re := ""
			if g.Page != "" {
				re = store.PageRegexp(g.Page)
			}
			b.WriteString("(" + b.param(g.Name) + "::VARCHAR, " + b.param(g.EventName) + "::VARCHAR, " + b.param(re) + "::VARCHAR)")
		}
		if len(k.q.Goals) == 0 {
			b.WriteString("(NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR)")
		}
		b.WriteString(") AS g(goal, goal_event, goal_re))")
	}

	// b: the non-goal filters, dimension values, and conv.
	b.WriteString(", b AS (SELECT r.*")
	if k.sessions {
		b.WriteString(", s_pv, s_ce, s_dur, s_exit")
	}
	for i, d := range k.q.Dimensions {
		if i == k.goalDim {
			continue
		}
		expr, layout := k.dimension(b, d)
		timeLayouts[i] = layout
		b.WriteString(", " + expr + " AS " + k.dims[i])
	}
	b.WriteString(", ")
	if len(k.goalFilters) == 0 {
		b.WriteString("true")
	} else if err := k.filters(b, k.goalFilters); err != nil {
		return err
	}
	b.WriteString(" AS conv FROM r")
	if k.sessions {
		b.WriteString(" JOIN s USING (session_id)")
	}
	if len(rowFilters) > 0 {
		b.WriteString(" WHERE ")
		if err := k.filters(b, rowFilters); err != nil {
			return err
		}
	}
	b.WriteString(")")
	return nil
}

// stampedOnly reports whether f involves only attributes stamped on every
// event of a visit (not its exit page, which takes the whole visit): such
// a filter holds for all of a visit's events or for none.
func stampedOnly(f store.Filter) bool {
	if f.Dimension != "" {
		d := f.Dimension
		if !strings.HasPrefix(d, "visit:") || d == store.DimExitPage {
			return false
		}
		if _, ok := store.Dimensions[d]; !ok {
			return false
		}
	}
	for _, ch := range f.Children {
		if !stampedOnly(ch) {
			return false
		}
	}
	return true
}

// metricSQL returns the exact value of metric m from the joined parts.
// Ratios divide doubles in the same order as storetest.Evaluate, so both
// compare equal values as equal.
func metricSQL(m string) string {
	switch m {
	case "visitors":
		return "n_visitors::DOUBLE"
	case "visits":
		return "n_visits::DOUBLE"
	case "pageviews":
		return "n_pageviews::DOUBLE"
	case "events":
		return "n_act::DOUBLE"
	case "percentage":
		return "100::DOUBLE * n_visitors / nullif(tot_all, 0)"
	case "views_per_visit":
		return "sm_pv::DOUBLE / nullif(sm_visits, 0)"
	case "bounce_rate":
		return "100::DOUBLE * sm_bounced / nullif(sm_visits, 0)"
	case "visit_duration":
		return "sm_dur::DOUBLE / nullif(sm_visits, 0) / 1000"
	case "conversion_rate":
		return "100::DOUBLE * n_visitors / nullif(tot_base, 0)"
	case "group_conversion_rate":
		return "100::DOUBLE * n_visitors / nullif(gb_visitors, 0)"
	case "total_revenue":
		return "coalesce(rev_sum::DOUBLE, 0)"
	case "average_revenue":
		return "rev_sum::DOUBLE / nullif(rev_n, 0)"
	case "scroll_depth":
		return "pm_sd::DOUBLE / nullif(pm_sd_n, 0)"
	case "time_on_page":
		return "pm_em::DOUBLE / nullif(pm_em_n, 0) / 1000"
	}
	return "p_" + m // a performance metric, computed in agg
}

// dimension returns the SQL expression of dimension d over the columns
// of r and s, and the label layout of a time bucket ("" otherwise).
func (k *compiler) dimension(b *builder, d string) (expr, layout string) {
	if bucket, ok := timeBuckets[d]; ok {
		return fmt.Sprintf("date_trunc('%s', epoch_ms(%s))", bucket.unit, localMillis(k.loc, k.q.From, k.q.To)), bucket.layout
	}
	return k.column(b, d), ""
}

// column returns the SQL expression of a non-time dimension, as filters
// and groups see it.
func (k *compiler) column(b *builder, d string) string {
	if code, ok := store.NameDimensions[d]; ok {
		d = code
	}
	switch {
	case d == "event:name":
		return "ename"
	case d == store.DimExitPage:
		return "s_exit"
	case strings.HasPrefix(d, store.PropsPrefix):
		return "coalesce(props[" + b.param(strings.TrimPrefix(d, store.PropsPrefix)) + "], '" + store.NoneValue + "')"
	}
	return store.Dimensions[d]
}

// columns lists the events columns the query reads: only those are
// carried through the parts, which DuckDB may materialise.
func (k *compiler) columns() []string {
	set := map[string]bool{"ts": true, "visitor_id": true, "session_id": true, "name": true, "pathname": true}
	addDim := func(d string) {
		if code, ok := store.NameDimensions[d]; ok {
			d = code
		}
		if col, ok := store.Dimensions[d]; ok {
			set[col] = true
		} else if strings.HasPrefix(d, store.PropsPrefix) {
			set["props"] = true
		}
	}
	for _, d := range k.q.Dimensions {
		addDim(d)
	}
	var walk func(fs []store.Filter)
	walk = func(fs []store.Filter) {
		for _, f := range fs {
			addDim(f.Dimension)
			walk(f.Children)
		}
	}
	walk(k.q.Filters)
	for _, m := range k.q.Metrics {
		switch {
		case slices.Contains(store.RevenueMetrics, m):
			set["revenue_amount"] = true
		case slices.Contains(store.PageMetrics, m):
			set["scroll_depth"], set["engagement_ms"] = true, true
		}
		if pm, ok := store.ParsePerfMetric(m); ok {
			set[pm.Column] = true
		}
	}
	cols := make([]string, 0, len(set))
	for c := range set {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	return cols
}

func usesExitPage(f store.Filter) bool {
	return f.Dimension == store.DimExitPage || slices.ContainsFunc(f.Children, usesExitPage)
}

// filters writes the conjunction of fs.
func (k *compiler) filters(b *builder, fs []store.Filter) error {
	b.WriteString("(")
	for i, f := range fs {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if err := k.filter(b, f); err != nil {
			return err
		}
	}
	b.WriteString(")")
	return nil
}

// filter writes f. Columns are NOT NULL (or coalesced), so NOT IN and NOT
// need no NULL handling: "" is a value like any other.
func (k *compiler) filter(b *builder, f store.Filter) error {
	switch f.Op {
	case "and", "or":
		if len(f.Children) == 0 {
			return fmt.Errorf("filter %q without operands: %w", f.Op, store.ErrUnsupported)
		}
		b.WriteString("(")
		for i, ch := range f.Children {
			if i > 0 {
				b.WriteString(" " + strings.ToUpper(f.Op) + " ")
			}
			if err := k.filter(b, ch); err != nil {
				return err
			}
		}
		b.WriteString(")")
		return nil
	case "not":
		if len(f.Children) != 1 {
			return fmt.Errorf("filter \"not\" with %d operands: %w", len(f.Children), store.ErrUnsupported)
		}
		b.WriteString("(NOT ")
		if err := k.filter(b, f.Children[0]); err != nil {
			return err
		}
		b.WriteString(")")
		return nil
	}
	if !store.IsDimension(f.Dimension) || store.IsTimeDimension(f.Dimension) {
		return fmt.Errorf("filter on %q: %w", f.Dimension, store.ErrUnsupported)
	}
	if len(f.Values) == 0 {
		return fmt.Errorf("filter on %q without values: %w", f.Dimension, store.ErrUnsupported)
	}
	if f.Dimension == store.DimGoal {
		return k.goalFilter(b, f)
	}
	switch f.Op {
	case "is", "is_not":
		col := k.column(b, f.Dimension)
		marks := make([]string, len(f.Values))
		for i, v := range f.Values {
			marks[i] = b.param(v)
		}
		op := " IN ("
		if f.Op == "is_not" {
			op = " NOT IN ("
		}
		b.WriteString(col + op + strings.Join(marks, ", ") + ")")
		return nil
	case "contains", "contains_not", "matches", "matches_not":
	default:
		return fmt.Errorf("filter operator %q: %w", f.Op, store.ErrUnsupported)
	}
	negate := strings.HasSuffix(f.Op, "_not")
	if negate {
		b.WriteString("(NOT ")
	}
	b.WriteString("(")
	for i, v := range f.Values {
		if i > 0 {
			b.WriteString(" OR ")
		}
		// The column is written once per value: its expression may hold a
		// parameter (a property key), which must come before the value's.
		col := k.column(b, f.Dimension)
		if strings.HasPrefix(f.Op, "contains") {
			// lower() on both sides rather than ILIKE: no pattern
			// characters to escape, and Unicode case folding.
			b.WriteString("contains(lower(" + col + "), lower(" + b.param(v) + "))")
		} else {
			b.WriteString("regexp_matches(" + col + ", " + b.param(v) + ")")
		}
	}
	b.WriteString(")")
	if negate {
		b.WriteString(")")
	}
	return nil
}

// goalFilter writes whether a row completes any of the named goals.
func (k *compiler) goalFilter(b *builder, f store.Filter) error {
	if f.Op != "is" && f.Op != "is_not" {
		return fmt.Errorf("goal filter operator %q: %w", f.Op, store.ErrUnsupported)
	}
	var parts []string
	for _, name := range f.Values {
		g, ok := k.goals[name]
		if !ok {
			return fmt.Errorf("goal %q: %w", name, store.ErrNotFound)
		}
		if g.EventName != "" {
			parts = append(parts, "ename = "+b.param(g.EventName))
		} else {
			// The expression is tried on the distinct paths, not on every row.
			parts = append(parts, "(ename = 'pageview' AND pathname IN (SELECT DISTINCT pathname FROM r WHERE regexp_matches(pathname, "+b.param(store.PageRegexp(g.Page))+")))")
		}
	}
	cond := "(" + strings.Join(parts, " OR ") + ")"
	if f.Op == "is_not" {
		cond = "(NOT " + cond + ")"
	}
	b.WriteString(cond)
	return nil
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
		if strings.HasPrefix(alias, "m") {
			alias = "coalesce(" + alias + ", 0)" // a ratio over nothing is 0
		}
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

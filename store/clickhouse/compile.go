package clickhouse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// compiled is a query ready to run: sql answers it, countSQL (when set)
// counts its groups before LIMIT and OFFSET, for Result.TotalRows.
type compiled struct {
	sql      string
	countSQL string
	grouped  bool // the query has dimensions: rows are groups
}

// compiler holds what compile works out about a query. The statement is
// built from these parts, each a subquery (18.16 has no WITH subqueries),
// only when the query needs it:
//
//	r    the site's rows in range, engagement reports renamed "pageview"
//	s    one row per session: pageviews, custom events, duration, exit page
//	b    rows of r passing the non-goal filters, with their dimension
//	     values and whether they pass the goal filters (conv)
//	m    rows of b that pass them, one per goal completed when grouping by
//	     event:goal
//	agg  per group: counts, revenue, performance samples
//	sm   per group: session metrics, over one row per (group, session)
//	pm   per group: page metrics, over one row per (group, session, path)
//	tot  the denominators of percentage and conversion_rate
//	gb   per group without the goal: visitors, for group_conversion_rate
//
// and joined one JOIN per SELECT, as 18.16 requires, each side of a JOIN
// aliased, as current servers require (joined_subquery_requires_alias).
type compiler struct {
	q        store.Query
	loc      *time.Location
	goalDim  int // index of event:goal in q.Dimensions, -1 if absent
	goals    map[string]store.Goal
	dims     []string // aliases d0, d1, …
	nonGoal  []string // the aliases of dimensions other than event:goal
	sessions bool     // the s part is needed

	goalFilters, otherFilters []store.Filter // top-level filters on event:goal, and the rest
}

func newCompiler(q store.Query) (*compiler, error) {
	k := &compiler{q: q, goalDim: slices.Index(q.Dimensions, store.DimGoal), goals: map[string]store.Goal{}}
	if q.TimeZone != "" {
		var err error
		if k.loc, err = time.LoadLocation(q.TimeZone); err != nil {
			return nil, fmt.Errorf("time zone %q: %w", q.TimeZone, err)
		}
	}
	for _, g := range q.Goals {
		k.goals[g.Name] = g
	}
	for i, d := range q.Dimensions {
		if !store.IsDimension(d) {
			return nil, fmt.Errorf("dimension %q: %w", d, store.ErrUnsupported)
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
	for _, m := range q.Metrics {
		if !slices.Contains(store.Metrics, m) {
			return nil, fmt.Errorf("metric %q: %w", m, store.ErrUnsupported)
		}
		if slices.Contains(store.SessionMetrics, m) {
			k.sessions = true
		}
	}
	for _, f := range q.Filters {
		if f.Dimension == store.DimGoal {
			k.goalFilters = append(k.goalFilters, f)
		} else {
			k.otherFilters = append(k.otherFilters, f)
		}
		if usesExitPage(f) {
			k.sessions = true
		}
	}
	return k, nil
}

// compile compiles q; see compiler for the parts.
func compile(q store.Query) (compiled, error) {
	if store.VisitLevel(q) {
		return compileVisits(q)
	}
	k, err := newCompiler(q)
	if err != nil {
		return compiled{}, err
	}
	var need struct{ session, page, totals, groupConv bool }
	for _, m := range q.Metrics {
		switch {
		case slices.Contains(store.SessionMetrics, m):
			need.session = true
		case slices.Contains(store.PageMetrics, m):
			need.page = true
		case m == "group_conversion_rate":
			need.groupConv = true
		case m == "percentage" || m == "conversion_rate":
			need.totals = true
		}
	}
	b, bCols, err := k.base()
	if err != nil {
		return compiled{}, err
	}
	m, err := k.matching(b, bCols)
	if err != nil {
		return compiled{}, err
	}

	groupBy := ""
	if len(k.dims) > 0 {
		groupBy = " GROUP BY " + strings.Join(k.dims, ", ")
	}
	prefix := func(extra ...string) string { return strings.Join(append(slices.Clone(k.dims), extra...), ", ") }

	// agg: counts and samples over the rows of each group. Distinct
	// counts are exact (uniqExact): the conformance suite compares them
	// with DuckDB's, and uniq()'s error would show at any scale.
	aggCols := []string{"countIf(act) AS n_act"}
	cols := append(slices.Clone(k.dims), "n_act")
	add := func(expr, alias string) {
		aggCols = append(aggCols, expr+" AS "+alias)
		cols = append(cols, alias)
	}
	if slices.ContainsFunc(q.Metrics, func(m string) bool {
		return m == "visitors" || m == "percentage" || slices.Contains(store.ConversionMetrics, m)
	}) {
		add("uniqExactIf(visitor_id, act)", "n_visitors")
	}
	if slices.Contains(q.Metrics, "visits") {
		add("uniqExactIf(session_id, act)", "n_visits")
	}
	if slices.Contains(q.Metrics, "pageviews") {
		add("countIf(act AND name = 'pageview')", "n_pageviews")
	}
	if slices.ContainsFunc(q.Metrics, func(m string) bool { return slices.Contains(store.RevenueMetrics, m) }) {
		add("sumIf(revenue_amount, act)", "rev_sum")
		add("countIf(act AND isNotNull(revenue_amount))", "rev_n")
	}
	for _, mt := range q.Metrics {
		pm, ok := store.ParsePerfMetric(mt)
		if !ok {
			continue
		}
		col := "toFloat64(" + pm.Column + ")"
		if pm.Band == "" {
			// The nearest-rank quantile (store.NearestRank), exactly: the
			// ⌈q·n⌉-th smallest sample. quantileExact picks another rank
			// and quantileExactLow is not in 18.16.
			pct := strconv.Itoa(int(pm.Quantile*100 + 0.5))
			add("arrayElement(arraySort(groupArray("+col+")), greatest(intDiv(count("+col+") * "+pct+" + 99, 100), 1))", "p_"+mt)
			continue
		}
		good, poor := strconv.FormatFloat(pm.Good, 'f', -1, 64), strconv.FormatFloat(pm.Poor, 'f', -1, 64)
		var cond string
		switch pm.Band {
		case "good":
			cond = col + " <= " + good
		case "poor":
			cond = col + " > " + poor
		default:
			cond = col + " > " + good + " AND " + col + " <= " + poor
		}
		add("100 * countIf(ifNull("+cond+", 0)) / nullIf(count("+col+"), 0)", "p_"+mt)
	}
	from := "SELECT " + prefix(aggCols...) + " FROM (" + m + ")" + groupBy

	join := func(sub string, subCols []string, keys []string) {
		j := " CROSS JOIN "
		using := ""
		if len(keys) > 0 {
			// Defaults, not NULLs, fill a missing right row: the metrics
			// divide by nullIf(count, 0), so a 0 reads as "nothing".
			j = " ANY LEFT JOIN "
			using = " USING (" + strings.Join(keys, ", ") + ")"
		}
		cols = append(cols, subCols...)
		from = "SELECT " + strings.Join(cols, ", ") + " FROM (" + from + ") AS jl" + j + "(" + sub + ") AS jr" + using
	}
	if need.session {
		join("SELECT "+prefix("count() AS sm_visits", "sum(v_pv) AS sm_pv", "countIf(v_pv <= 1 AND v_ce = 0) AS sm_bounced", "sum(v_dur) AS sm_dur")+
			" FROM (SELECT "+prefix("session_id", "any(s_pv) AS v_pv", "any(s_ce) AS v_ce", "any(s_dur) AS v_dur")+
			" FROM ("+m+") WHERE act GROUP BY "+prefix("session_id")+")"+groupBy,
			[]string{"sm_visits", "sm_pv", "sm_bounced", "sm_dur"}, k.dims)
	}
	if need.page {
		join("SELECT "+prefix("sum(sd) AS pm_sd", "count(sd) AS pm_sd_n", "sum(em) AS pm_em", "count(em) AS pm_em_n")+
			" FROM (SELECT "+prefix("session_id", "pathname", "max(scroll_depth) AS sd", "sum(engagement_ms) AS em")+
			" FROM ("+m+") WHERE isNotNull(scroll_depth) OR isNotNull(engagement_ms) GROUP BY "+prefix("session_id", "pathname")+")"+groupBy,
			[]string{"pm_sd", "pm_sd_n", "pm_em", "pm_em_n"}, k.dims)
	}
	if need.totals {
		join("SELECT uniqExactIf(visitor_id, conv) AS tot_all, uniqExact(visitor_id) AS tot_base FROM ("+b+") WHERE act",
			[]string{"tot_all", "tot_base"}, nil)
	}
	if need.groupConv {
		sub := "SELECT " + strings.Join(append(slices.Clone(k.nonGoal), "uniqExact(visitor_id) AS gb_visitors"), ", ") + " FROM (" + b + ") WHERE act"
		if len(k.nonGoal) > 0 {
			sub += " GROUP BY " + strings.Join(k.nonGoal, ", ")
		}
		join(sub, []string{"gb_visitors"}, k.nonGoal)
	}

	sel := slices.Clone(k.dims)
	for i, mt := range q.Metrics {
		sel = append(sel, "toFloat64(ifNull("+metricSQL(mt)+", 0)) AS m"+strconv.Itoa(i))
	}
	where := ""
	if len(k.dims) > 0 {
		where = " WHERE n_act > 0"
	}
	orderBy, err := orderSQL(q)
	if err != nil {
		return compiled{}, err
	}
	c := compiled{grouped: len(k.dims) > 0}
	c.sql = "SELECT " + strings.Join(sel, ", ") + " FROM (" + from + ")" + where + orderBy + limitSQL(q)
	if c.grouped {
		c.countSQL = "SELECT count() FROM (" + from + ")" + where
	}
	return c, nil
}

// base returns the b part and its columns.
func (k *compiler) base() (string, []string, error) {
	cols := k.columns()
	r := "SELECT " + strings.Join(cols, ", ") + ", name != 'engagement' AS act, " +
		"if(name = 'engagement', 'pageview', name) AS ename FROM events WHERE " + k.siteRange()
	bCols := append(slices.Clone(cols), "act", "ename")
	var s string
	if k.sessions {
		s = "SELECT session_id, countIf(name = 'pageview') AS s_pv, countIf(act AND name != 'pageview') AS s_ce, " +
			"max(ts) - min(ts) AS s_dur, " + exitSQL("name = 'pageview'") + " AS s_exit FROM (" + r + ") GROUP BY session_id"
		bCols = append(bCols, "s_pv", "s_ce", "s_dur", "s_exit")
	}
	sel := slices.Clone(bCols)
	for i, d := range k.q.Dimensions {
		if i == k.goalDim {
			continue
		}
		sel = append(sel, k.dimension(d)+" AS "+k.dims[i])
		bCols = append(bCols, k.dims[i])
	}
	conv := "1"
	if len(k.goalFilters) > 0 {
		var err error
		if conv, err = k.filters(k.goalFilters); err != nil {
			return "", nil, err
		}
	}
	sel = append(sel, conv+" AS conv")
	bCols = append(bCols, "conv")
	b := "SELECT " + strings.Join(sel, ", ") + " FROM (" + r + ") AS er"
	if k.sessions {
		b += " ANY LEFT JOIN (" + s + ") AS es USING (session_id)"
	}
	if len(k.otherFilters) > 0 {
		w, err := k.filters(k.otherFilters)
		if err != nil {
			return "", nil, err
		}
		b += " WHERE " + w
	}
	return b, bCols, nil
}

// siteRange is the condition every read of the events table starts with:
// the site, then the time range. No statement reads events without it.
func (k *compiler) siteRange() string {
	return "site_id = " + num(k.q.SiteID) + " AND ts >= " + num(ceilMilli(k.q.From)) + " AND ts < " + num(ceilMilli(k.q.To))
}

// exitSQL is the path of the last pageview among the rows where cond
// holds, ties on time broken by the greater path; "" when there is none.
func exitSQL(cond string) string {
	return "tupleElement(maxIf((ts, pathname), " + cond + "), 2)"
}

// matching returns the m part: rows of b that pass the goal filters and,
// when grouping by event:goal, one row per goal each completes, the goal's
// name in its dimension column.
func (k *compiler) matching(b string, bCols []string) (string, error) {
	if k.goalDim < 0 {
		return "SELECT * FROM (" + b + ") WHERE conv", nil
	}
	var names []string
	for _, g := range k.q.Goals {
		names = append(names, "if("+k.goalCond(g)+", "+quote(g.Name)+", '')")
	}
	d := k.dims[k.goalDim]
	if len(names) == 0 {
		return "SELECT " + strings.Join(bCols, ", ") + ", '' AS " + d + " FROM (" + b + ") WHERE 0", nil
	}
	return "SELECT " + strings.Join(bCols, ", ") + ", arrayJoin(arrayFilter(x -> x != '', [" + strings.Join(names, ", ") + "])) AS " + d +
		" FROM (" + b + ") WHERE conv", nil
}

// goalCond is whether a row completes goal g. Engagement reports count as
// the pageview they report on (ename).
func (k *compiler) goalCond(g store.Goal) string {
	if g.EventName != "" {
		return "ename = " + quote(g.EventName)
	}
	return "(ename = 'pageview' AND match(pathname, " + quote(store.PageRegexp(g.Page)) + "))"
}

// metricSQL returns the exact value of metric m from the joined parts.
// Ratios divide in the same order as storetest.Evaluate, so both compare
// equal values as equal; a ratio over nothing is NULL, read as 0.
func metricSQL(m string) string {
	switch m {
	case "visitors":
		return "n_visitors"
	case "visits":
		return "n_visits"
	case "pageviews":
		return "n_pageviews"
	case "events":
		return "n_act"
	case "percentage":
		return "100 * n_visitors / nullIf(tot_all, 0)"
	case "views_per_visit":
		return "toFloat64(sm_pv) / nullIf(sm_visits, 0)"
	case "bounce_rate":
		return "100 * sm_bounced / nullIf(sm_visits, 0)"
	case "visit_duration":
		return "toFloat64(sm_dur) / nullIf(sm_visits, 0) / 1000"
	case "conversion_rate":
		return "100 * n_visitors / nullIf(tot_base, 0)"
	case "group_conversion_rate":
		return "100 * n_visitors / nullIf(gb_visitors, 0)"
	case "total_revenue":
		return "toFloat64(rev_sum) / 10000"
	case "average_revenue":
		return "toFloat64(rev_sum) / 10000 / nullIf(rev_n, 0)"
	case "scroll_depth":
		return "toFloat64(pm_sd) / nullIf(pm_sd_n, 0)"
	case "time_on_page":
		return "toFloat64(pm_em) / nullIf(pm_em_n, 0) / 1000"
	}
	return "p_" + m // a performance metric, computed in agg
}

// dimension returns the expression of dimension d over the columns of r
// and s: a time bucket's label, or the column.
func (k *compiler) dimension(d string) string {
	if expr, ok := bucketSQL(d, localMillis(k.loc, k.q.From, k.q.To)); ok {
		return expr
	}
	return k.column(d)
}

// column returns the expression of a non-time dimension, as filters and
// groups see it.
func (k *compiler) column(d string) string {
	if code, ok := store.NameDimensions[d]; ok {
		d = code
	}
	switch {
	case d == "event:name":
		return "ename"
	case d == store.DimExitPage:
		return "s_exit"
	case strings.HasPrefix(d, store.PropsPrefix):
		key := quote(strings.TrimPrefix(d, store.PropsPrefix))
		return "if(has(props_keys, " + key + "), arrayElement(props_values, indexOf(props_keys, " + key + ")), " + quote(store.NoneValue) + ")"
	}
	return "toString(" + store.Dimensions[d] + ")" // LowCardinality on new servers; plain String for everyone
}

// columns lists the events columns the query reads.
func (k *compiler) columns() []string {
	set := map[string]bool{"ts": true, "visitor_id": true, "session_id": true, "name": true, "pathname": true}
	addDim := func(d string) {
		if code, ok := store.NameDimensions[d]; ok {
			d = code
		}
		if col, ok := store.Dimensions[d]; ok {
			set[col] = true
		} else if strings.HasPrefix(d, store.PropsPrefix) {
			set["props_keys"], set["props_values"] = true, true
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

// filters returns the conjunction of fs.
func (k *compiler) filters(fs []store.Filter) (string, error) {
	parts := make([]string, len(fs))
	for i, f := range fs {
		var err error
		if parts[i], err = k.filter(f); err != nil {
			return "", err
		}
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// filter returns f as a condition. Columns are never NULL (strings are ""
// when absent), so NOT IN and NOT need no NULL handling.
func (k *compiler) filter(f store.Filter) (string, error) {
	switch f.Op {
	case "and", "or":
		if len(f.Children) == 0 {
			return "", fmt.Errorf("filter %q without operands: %w", f.Op, store.ErrUnsupported)
		}
		parts := make([]string, len(f.Children))
		for i, ch := range f.Children {
			var err error
			if parts[i], err = k.filter(ch); err != nil {
				return "", err
			}
		}
		return "(" + strings.Join(parts, " "+strings.ToUpper(f.Op)+" ") + ")", nil
	case "not":
		if len(f.Children) != 1 {
			return "", fmt.Errorf("filter \"not\" with %d operands: %w", len(f.Children), store.ErrUnsupported)
		}
		inner, err := k.filter(f.Children[0])
		if err != nil {
			return "", err
		}
		return "(NOT " + inner + ")", nil
	}
	if !store.IsDimension(f.Dimension) || store.IsTimeDimension(f.Dimension) {
		return "", fmt.Errorf("filter on %q: %w", f.Dimension, store.ErrUnsupported)
	}
	if len(f.Values) == 0 {
		return "", fmt.Errorf("filter on %q without values: %w", f.Dimension, store.ErrUnsupported)
	}
	if f.Dimension == store.DimGoal {
		return k.goalFilter(f)
	}
	col := k.column(f.Dimension)
	switch f.Op {
	case "is", "is_not":
		vals := make([]string, len(f.Values))
		for i, v := range f.Values {
			vals[i] = quote(v)
		}
		op := " IN ("
		if f.Op == "is_not" {
			op = " NOT IN ("
		}
		return "(" + col + op + strings.Join(vals, ", ") + "))", nil
	case "contains", "contains_not", "matches", "matches_not":
	default:
		return "", fmt.Errorf("filter operator %q: %w", f.Op, store.ErrUnsupported)
	}
	parts := make([]string, len(f.Values))
	for i, v := range f.Values {
		if strings.HasPrefix(f.Op, "contains") {
			// Lower-cased both sides, as DuckDB's backend does: no pattern
			// characters to escape, and UTF-8 case folding.
			parts[i] = "position(lowerUTF8(" + col + "), lowerUTF8(" + quote(v) + ")) > 0"
		} else {
			// match() is RE2, as store.CheckRegexp expects; the pattern
			// was checked for size and syntax before it got here.
			if err := store.CheckRegexp(v); err != nil {
				return "", fmt.Errorf("filter on %q: %v: %w", f.Dimension, err, store.ErrUnsupported)
			}
			parts[i] = "match(" + col + ", " + quote(v) + ")"
		}
	}
	cond := "(" + strings.Join(parts, " OR ") + ")"
	if strings.HasSuffix(f.Op, "_not") {
		cond = "(NOT " + cond + ")"
	}
	return cond, nil
}

// goalFilter returns whether a row completes any of the named goals.
func (k *compiler) goalFilter(f store.Filter) (string, error) {
	if f.Op != "is" && f.Op != "is_not" {
		return "", fmt.Errorf("goal filter operator %q: %w", f.Op, store.ErrUnsupported)
	}
	var parts []string
	for _, name := range f.Values {
		g, ok := k.goals[name]
		if !ok {
			return "", fmt.Errorf("goal %q: %w", name, store.ErrNotFound)
		}
		parts = append(parts, k.goalCond(g))
	}
	cond := "(" + strings.Join(parts, " OR ") + ")"
	if f.Op == "is_not" {
		cond = "(NOT " + cond + ")"
	}
	return cond, nil
}

// orderSQL returns the ORDER BY clause: q.OrderBy, else the first metric
// descending, then every dimension not yet named, ascending, so that the
// order is total and identical across backends. Strings compare as bytes
// in ClickHouse and DuckDB alike.
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

// limitSQL returns the LIMIT clause; "LIMIT n OFFSET m" is understood by
// 18.16 and later alike.
func limitSQL(q store.Query) string {
	switch {
	case q.Limit > 0 && q.Offset > 0:
		return " LIMIT " + strconv.Itoa(q.Limit) + " OFFSET " + strconv.Itoa(q.Offset)
	case q.Limit > 0:
		return " LIMIT " + strconv.Itoa(q.Limit)
	case q.Offset > 0:
		return " LIMIT " + strconv.FormatUint(1<<62, 10) + " OFFSET " + strconv.Itoa(q.Offset)
	}
	return ""
}

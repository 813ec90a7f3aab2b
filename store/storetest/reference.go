package storetest

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Evaluate answers q over events the slow, obvious way, in Go. It is the
// suite's oracle, independent of any SQL engine, so that the golden file
// cannot silently freeze a backend's mistake. It is also the executable
// statement of the query semantics every backend shares.
//
// Rows. Only the site's rows in [From, To) are read. Engagement reports
// ("engagement" rows) carry measurements of a page already viewed: they
// are never counted, but they take part in filtering and grouping as if
// they were a pageview of their page, so that scroll depth, time on page
// and web vitals reach the page's group. A group exists only if at least
// one activity row (any other row) is in it.
//
// Sessions. Every session with a row in range has: its pageviews and
// custom events in range, its duration (last minus first timestamp in
// range, engagement reports included), its exit page (the path of its
// last pageview in range; ties broken by the greater path; "" without
// one), and it bounced if it had at most one pageview and no custom event.
//
// Filters compare a row's value: "" is a value like any other.
// "is"/"is_not" match exactly, "contains"/"contains_not" a case-insensitive
// substring, "matches"/"matches_not" a regular expression anywhere in the
// value; several values mean any of them. visit:exit_page is the row's
// session's exit page; event:props:K the property's value or "(none)";
// event:goal "is" G holds for a row that completes goal G (a custom event
// named EventName, or a pageview whose path matches Page).
//
// Dimensions group rows by value; by event:goal a row joins the group of
// every goal it completes and no other. Time buckets are computed in
// q.TimeZone: "time" and "time:day" are labelled "2006-01-02", "time:hour"
// "2006-01-02 15:00:00" (a repeated hour at a DST change is one bucket),
// "time:week" by its Monday and "time:month" by its first day.
//
// Metrics of a group G (activity rows unless said otherwise; S(G) the
// sessions with an activity row in G):
//
//   - visitors, visits: distinct visitor and session ids; pageviews:
//     "pageview" rows; events: all activity rows.
//   - percentage: 100 × visitors / the visitors of all rows passing the
//     filters.
//   - views_per_visit, bounce_rate, visit_duration: over S(G), whole
//     sessions: mean pageviews, 100 × share bounced, mean duration in
//     seconds.
//   - conversion_rate: 100 × visitors / the visitors of rows passing the
//     filters other than the top-level event:goal filters;
//     group_conversion_rate: the same within the rows sharing G's values of
//     the dimensions other than event:goal.
//   - total_revenue, average_revenue: sum and mean of the revenue amounts
//     of rows with revenue (currencies are not converted).
//   - scroll_depth: mean over (session, path) pairs of the deepest scroll
//     reported; time_on_page: mean over (session, path) pairs with
//     engaged time of its sum, in seconds. All rows of G, engagement
//     reports included.
//   - <perf>_p50/_p75/_p95: the nearest-rank percentile (the smallest
//     value with at least q·n of the n measured values of all rows of G at
//     or below it, store.NearestRank); <vital>_good/_needs_improvement/
//     _poor: 100 × the share of those values in each band.
//
// A ratio over nothing is 0. Values are rounded with store.Round, after
// ordering, which uses exact values. A query without dimensions returns
// exactly one row, zeros included. Rows are ordered by q.OrderBy, else by
// the first metric descending; dimensions not yet ordered on then follow
// ascending (byte order), so the order is total. TotalRows counts rows
// before Limit and Offset.
func Evaluate(events []store.Event, q store.Query) (store.Result, error) {
	loc := time.UTC
	if q.TimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(q.TimeZone); err != nil {
			return store.Result{}, fmt.Errorf("reference: %w", err)
		}
	}
	for _, m := range q.Metrics {
		if !slices.Contains(store.Metrics, m) {
			return store.Result{}, fmt.Errorf("reference: metric %q: %w", m, store.ErrUnsupported)
		}
	}
	for _, d := range q.Dimensions {
		if !store.IsDimension(d) {
			return store.Result{}, fmt.Errorf("reference: dimension %q: %w", d, store.ErrUnsupported)
		}
	}
	ev := &evaluator{q: q, loc: loc, sessions: map[uint64]*refSession{}, goals: map[string]*regexp.Regexp{}}
	for _, g := range q.Goals {
		if g.Page != "" {
			ev.goals[g.Name] = regexp.MustCompile(store.PageRegexp(g.Page))
		}
	}
	var rows []*store.Event
	for i := range events {
		e := &events[i]
		if e.SiteID == q.SiteID && !e.Timestamp.Before(q.From) && e.Timestamp.Before(q.To) {
			rows = append(rows, e)
			ev.addToSession(e)
		}
	}

	var goalFilters, otherFilters []store.Filter
	for _, f := range q.Filters {
		if f.Dimension == store.DimGoal {
			goalFilters = append(goalFilters, f)
		} else {
			otherFilters = append(otherFilters, f)
		}
	}
	goalDim := slices.Index(q.Dimensions, store.DimGoal)

	groups := map[string]*refGroup{}
	var order []*refGroup
	newGroup := func(dims []string) *refGroup {
		return &refGroup{dims: dims, visitors: map[uint64]bool{}, sessions: map[uint64]bool{}, pages: map[pageKey]*pageStat{}, perf: map[string][]float64{}}
	}
	if len(q.Dimensions) == 0 {
		g := newGroup([]string{})
		groups[""] = g
		order = append(order, g)
	}
	allVisitors := map[uint64]bool{}  // rows passing every filter: percentage
	baseVisitors := map[uint64]bool{} // rows passing the non-goal filters: conversion_rate
	baseByGroup := map[string]map[uint64]bool{}

	for _, e := range rows {
		r := refRow{Event: e, name: e.Name, activity: e.Name != "engagement", session: ev.sessions[e.SessionID]}
		if !r.activity {
			r.name = "pageview"
		}
		if !ev.matchAll(&r, otherFilters) {
			continue
		}
		keys := ev.keys(&r, goalDim)
		if r.activity {
			baseVisitors[e.VisitorID] = true
			if goalDim >= 0 || len(goalFilters) > 0 {
				nk := ev.nonGoalKey(&r, goalDim)
				if baseByGroup[nk] == nil {
					baseByGroup[nk] = map[uint64]bool{}
				}
				baseByGroup[nk][e.VisitorID] = true
			}
		}
		if !ev.matchAll(&r, goalFilters) {
			continue
		}
		if r.activity {
			allVisitors[e.VisitorID] = true
		}
		for _, k := range keys {
			key := strings.Join(k, "\x00")
			g := groups[key]
			if g == nil {
				g = newGroup(k)
				groups[key] = g
				order = append(order, g)
			}
			g.add(&r)
		}
	}

	type exactRow struct {
		row   store.Row
		exact []float64
	}
	var rowsOut []exactRow
	for _, g := range order {
		if g.activity == 0 && len(q.Dimensions) > 0 {
			continue
		}
		r := exactRow{store.Row{Dimensions: g.dims, Metrics: make([]float64, len(q.Metrics))}, make([]float64, len(q.Metrics))}
		for j, m := range q.Metrics {
			var base map[uint64]bool
			if m == "group_conversion_rate" {
				nondims := g.dims
				if goalDim >= 0 {
					nondims = slices.Delete(slices.Clone(g.dims), goalDim, goalDim+1)
				}
				base = baseByGroup[strings.Join(nondims, "\x00")]
			}
			r.exact[j] = ev.metric(m, g, allVisitors, baseVisitors, base)
			r.row.Metrics[j] = store.Round(m, r.exact[j])
		}
		rowsOut = append(rowsOut, r)
	}
	less := refCompare(q)
	slices.SortFunc(rowsOut, func(a, b exactRow) int {
		return less(store.Row{Dimensions: a.row.Dimensions, Metrics: a.exact}, store.Row{Dimensions: b.row.Dimensions, Metrics: b.exact})
	})

	res := store.Result{TotalRows: len(rowsOut), Rows: []store.Row{}}
	lo := min(q.Offset, len(rowsOut))
	hi := len(rowsOut)
	if q.Limit > 0 {
		hi = min(lo+q.Limit, hi)
	}
	for _, r := range rowsOut[lo:hi] {
		res.Rows = append(res.Rows, r.row)
	}
	return res, nil
}

type evaluator struct {
	q        store.Query
	loc      *time.Location
	sessions map[uint64]*refSession
	goals    map[string]*regexp.Regexp // page goals by name
}

type refSession struct {
	pageviews, custom int
	first, last       time.Time
	exitAt            time.Time
	exitPage          string
}

func (ev *evaluator) addToSession(e *store.Event) {
	s := ev.sessions[e.SessionID]
	if s == nil {
		s = &refSession{first: e.Timestamp, last: e.Timestamp}
		ev.sessions[e.SessionID] = s
	}
	if e.Timestamp.Before(s.first) {
		s.first = e.Timestamp
	}
	if e.Timestamp.After(s.last) {
		s.last = e.Timestamp
	}
	switch e.Name {
	case "engagement":
	case "pageview":
		s.pageviews++
		if s.pageviews == 1 || e.Timestamp.After(s.exitAt) || (e.Timestamp.Equal(s.exitAt) && e.Pathname > s.exitPage) {
			s.exitAt, s.exitPage = e.Timestamp, e.Pathname
		}
	default:
		s.custom++
	}
}

// refRow is an event as filters and dimensions see it.
type refRow struct {
	*store.Event
	name     string // "pageview" for engagement reports
	activity bool
	session  *refSession
}

type pageKey struct {
	session uint64
	path    string
}

type pageStat struct {
	maxScroll  int // -1 when none reported
	engagedMS  int64
	hasEngaged bool
}

type refGroup struct {
	dims               []string
	activity           int
	visitors, sessions map[uint64]bool
	sessionRefs        []*refSession
	pageviews          int
	revenue            int64 // ×10⁴, as stored
	revenueRows        int
	pages              map[pageKey]*pageStat
	perf               map[string][]float64
}

func (g *refGroup) add(r *refRow) {
	e := r.Event
	if r.activity {
		g.activity++
		g.visitors[e.VisitorID] = true
		if !g.sessions[e.SessionID] {
			g.sessions[e.SessionID] = true
			g.sessionRefs = append(g.sessionRefs, r.session)
		}
		if e.Name == "pageview" {
			g.pageviews++
		}
		if e.RevenueAmount != 0 {
			g.revenue += int64(math.Round(e.RevenueAmount * 1e4))
			g.revenueRows++
		}
	}
	pk := pageKey{e.SessionID, e.Pathname}
	ps := g.pages[pk]
	if e.ScrollDepth >= 0 || e.EngagementMS > 0 {
		if ps == nil {
			ps = &pageStat{maxScroll: -1}
			g.pages[pk] = ps
		}
		if int(e.ScrollDepth) > ps.maxScroll {
			ps.maxScroll = int(e.ScrollDepth)
		}
		if e.EngagementMS > 0 {
			ps.engagedMS += int64(e.EngagementMS)
			ps.hasEngaged = true
		}
	}
	for _, p := range store.Perfs {
		if v, ok := perfValue(e, p.Column); ok {
			g.perf[p.Name] = append(g.perf[p.Name], v)
		}
	}
}

// perfValue returns a measurement as the events store keeps it.
func perfValue(e *store.Event, column string) (float64, bool) {
	var v uint32
	var zero uint8
	switch column {
	case "cls":
		if (e.HasCLS || e.CLS > 0) && e.CLS >= 0 && !math.IsInf(float64(e.CLS), 0) {
			return float64(e.CLS), true
		}
		return 0, false
	case "lcp_ms":
		v = e.LCPms
	case "inp_ms":
		v = e.INPms
	case "fcp_ms":
		v = e.FCPms
	case "ttfb_ms":
		v = e.TTFBms
	case "dns_ms":
		v, zero = e.DNSms, store.ZeroDNS
	case "connect_ms":
		v, zero = e.ConnectMS, store.ZeroConnect
	case "tls_ms":
		v, zero = e.TLSms, store.ZeroTLS
	case "response_ms":
		v, zero = e.ResponseMS, store.ZeroResponse
	case "dom_ms":
		v = e.DOMms
	case "load_ms":
		v = e.LoadMS
	default:
		panic("storetest: no measurement column " + column)
	}
	return float64(v), v != 0 || e.ZeroTimings&zero != 0
}

func ratio(num, den float64) float64 {
	if den == 0 {
		return 0
	}
	return num / den
}

// metric returns the exact (unrounded) value of m for g.
func (ev *evaluator) metric(m string, g *refGroup, all, base, groupBase map[uint64]bool) float64 {
	visitors := float64(len(g.visitors))
	visits := float64(len(g.sessionRefs))
	switch m {
	case "visitors":
		return visitors
	case "visits":
		return visits
	case "pageviews":
		return float64(g.pageviews)
	case "events":
		return float64(g.activity)
	case "percentage":
		return ratio(100*visitors, float64(len(all)))
	case "views_per_visit", "bounce_rate", "visit_duration":
		var pv, bounced, durMS int64
		for _, s := range g.sessionRefs {
			pv += int64(s.pageviews)
			if s.pageviews <= 1 && s.custom == 0 {
				bounced++
			}
			durMS += s.last.Sub(s.first).Milliseconds()
		}
		switch m {
		case "views_per_visit":
			return ratio(float64(pv), visits)
		case "bounce_rate":
			return ratio(100*float64(bounced), visits)
		}
		return ratio(float64(durMS), visits) / 1000
	case "conversion_rate":
		return ratio(100*visitors, float64(len(base)))
	case "group_conversion_rate":
		return ratio(100*visitors, float64(len(groupBase)))
	case "total_revenue":
		return float64(g.revenue) / 1e4
	case "average_revenue":
		return ratio(float64(g.revenue)/1e4, float64(g.revenueRows))
	case "scroll_depth", "time_on_page":
		var sum, n int64
		for _, ps := range g.pages {
			if m == "scroll_depth" && ps.maxScroll >= 0 {
				sum += int64(ps.maxScroll)
				n++
			}
			if m == "time_on_page" && ps.hasEngaged {
				sum += ps.engagedMS
				n++
			}
		}
		if m == "time_on_page" {
			return ratio(float64(sum), float64(n)) / 1000
		}
		return ratio(float64(sum), float64(n))
	}
	pm, ok := store.ParsePerfMetric(m)
	if !ok {
		panic("storetest: metric " + m)
	}
	vals := slices.Clone(g.perf[pm.Name])
	if len(vals) == 0 {
		return 0
	}
	if pm.Band == "" {
		slices.Sort(vals)
		return vals[store.NearestRank(len(vals), pm.Quantile)]
	}
	var n int
	for _, v := range vals {
		if band(v, pm.Perf) == pm.Band {
			n++
		}
	}
	return ratio(100*float64(n), float64(len(vals)))
}

func band(v float64, p store.Perf) string {
	switch {
	case v <= p.Good:
		return "good"
	case v > p.Poor:
		return "poor"
	}
	return "needs_improvement"
}

// keys returns the dimension values of r: one key, or one per goal
// completed when grouping by event:goal (none if it completes no goal).
func (ev *evaluator) keys(r *refRow, goalDim int) [][]string {
	dims := make([]string, len(ev.q.Dimensions))
	for j, d := range ev.q.Dimensions {
		if j != goalDim {
			dims[j] = ev.dimension(r, d)
		}
	}
	if goalDim < 0 {
		return [][]string{dims}
	}
	var out [][]string
	for _, g := range ev.q.Goals {
		if ev.completes(r, g) {
			k := slices.Clone(dims)
			k[goalDim] = g.Name
			out = append(out, k)
		}
	}
	return out
}

// nonGoalKey is the group key of r by every dimension but event:goal.
func (ev *evaluator) nonGoalKey(r *refRow, goalDim int) string {
	var dims []string
	for j, d := range ev.q.Dimensions {
		if j != goalDim {
			dims = append(dims, ev.dimension(r, d))
		}
	}
	return strings.Join(dims, "\x00")
}

func (ev *evaluator) completes(r *refRow, g store.Goal) bool {
	if g.EventName != "" {
		return r.name == g.EventName
	}
	return r.name == "pageview" && ev.goals[g.Name].MatchString(r.Pathname)
}

func (ev *evaluator) matchAll(r *refRow, filters []store.Filter) bool {
	for _, f := range filters {
		if !ev.match(r, f) {
			return false
		}
	}
	return true
}

func (ev *evaluator) match(r *refRow, f store.Filter) bool {
	switch f.Op {
	case "and":
		return ev.matchAll(r, f.Children)
	case "or":
		return slices.ContainsFunc(f.Children, func(c store.Filter) bool { return ev.match(r, c) })
	case "not":
		return !ev.match(r, f.Children[0])
	}
	if f.Dimension == store.DimGoal {
		hit := false
		for _, g := range ev.q.Goals {
			if slices.Contains(f.Values, g.Name) && ev.completes(r, g) {
				hit = true
			}
		}
		return hit == (f.Op == "is")
	}
	v := ev.dimension(r, f.Dimension)
	switch f.Op {
	case "is":
		return slices.Contains(f.Values, v)
	case "is_not":
		return !slices.Contains(f.Values, v)
	case "contains":
		return refContains(v, f.Values)
	case "contains_not":
		return !refContains(v, f.Values)
	case "matches":
		return refMatches(v, f.Values)
	case "matches_not":
		return !refMatches(v, f.Values)
	}
	panic("storetest: unknown filter operator " + f.Op)
}

func refContains(v string, subs []string) bool {
	v = strings.ToLower(v)
	return slices.ContainsFunc(subs, func(s string) bool { return strings.Contains(v, strings.ToLower(s)) })
}

func refMatches(v string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return regexp.MustCompile(p).MatchString(v) })
}

func (ev *evaluator) dimension(r *refRow, d string) string {
	t := r.Timestamp.In(ev.loc)
	switch d {
	case "time", "time:day":
		return t.Format(time.DateOnly)
	case "time:hour":
		return t.Format("2006-01-02 15") + ":00:00"
	case "time:week":
		monday := time.Date(t.Year(), t.Month(), t.Day()-(int(t.Weekday())+6)%7, 0, 0, 0, 0, time.UTC)
		return monday.Format(time.DateOnly)
	case "time:month":
		return t.Format("2006-01") + "-01"
	case "event:name":
		return r.name
	case store.DimExitPage:
		return r.session.exitPage
	}
	if k, ok := strings.CutPrefix(d, store.PropsPrefix); ok {
		if v, ok := r.Props[k]; ok {
			return v
		}
		return store.NoneValue
	}
	if code, ok := store.NameDimensions[d]; ok {
		d = code
	}
	return refColumn(r.Event, store.Dimensions[d])
}

// refCompare orders rows as the contract says: the requested keys, else the
// first metric descending, then every remaining dimension ascending.
func refCompare(q store.Query) func(a, b store.Row) int {
	type key struct {
		metric bool
		idx    int
		desc   bool
	}
	var keys []key
	used := map[int]bool{}
	add := func(name string, desc bool) {
		if i := slices.Index(q.Metrics, name); i >= 0 {
			keys = append(keys, key{metric: true, idx: i, desc: desc})
		} else if i := slices.Index(q.Dimensions, name); i >= 0 && !used[i] {
			used[i] = true
			keys = append(keys, key{idx: i, desc: desc})
		}
	}
	for _, o := range q.OrderBy {
		add(o.Key, o.Desc)
	}
	if len(q.OrderBy) == 0 && len(q.Metrics) > 0 {
		add(q.Metrics[0], true)
	}
	for _, d := range q.Dimensions {
		add(d, false)
	}
	return func(a, b store.Row) int {
		for _, k := range keys {
			var c int
			if k.metric {
				c = cmp.Compare(a.Metrics[k.idx], b.Metrics[k.idx])
			} else {
				c = strings.Compare(a.Dimensions[k.idx], b.Dimensions[k.idx])
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
}

// refColumn returns the value of an events column named as in
// store.Dimensions.
func refColumn(e *store.Event, column string) string {
	switch column {
	case "name":
		return e.Name
	case "pathname":
		return e.Pathname
	case "hostname":
		return e.Hostname
	case "entry_page":
		return e.EntryPage
	case "referrer":
		return e.Referrer
	case "source":
		return e.Source
	case "channel":
		return e.Channel
	case "utm_source":
		return e.UTMSource
	case "utm_medium":
		return e.UTMMedium
	case "utm_campaign":
		return e.UTMCampaign
	case "utm_content":
		return e.UTMContent
	case "utm_term":
		return e.UTMTerm
	case "country":
		return e.Country
	case "region":
		return e.Region
	case "city":
		return e.City
	case "browser":
		return e.Browser
	case "browser_version":
		return e.BrowserVersion
	case "os":
		return e.OS
	case "os_version":
		return e.OSVersion
	case "device":
		return e.Device
	case "screen":
		return e.Screen
	}
	panic("storetest: no column " + column)
}

// EvaluateFunnel answers a funnel query over events the obvious way: per
// session, the earliest completion of each step after the previous one.
func EvaluateFunnel(events []store.Event, q store.FunnelQuery) ([]int64, error) {
	ev := &evaluator{q: store.Query{SiteID: q.SiteID, Goals: q.Goals}, loc: time.UTC, sessions: map[uint64]*refSession{}, goals: map[string]*regexp.Regexp{}}
	for _, g := range q.Goals {
		if g.Page != "" {
			ev.goals[g.Name] = regexp.MustCompile(store.PageRegexp(g.Page))
		}
	}
	var rows []*store.Event
	for i := range events {
		e := &events[i]
		if e.SiteID == q.SiteID && !e.Timestamp.Before(q.From) && e.Timestamp.Before(q.To) {
			rows = append(rows, e)
			ev.addToSession(e)
		}
	}
	steps := make([]*regexp.Regexp, len(q.Steps))
	for i, s := range q.Steps {
		if s.Page != "" {
			steps[i] = regexp.MustCompile(store.PageRegexp(s.Page))
		}
	}
	bySession := map[uint64][]*store.Event{}
	var order []uint64
	for _, e := range rows {
		if e.Name == "engagement" {
			continue
		}
		r := refRow{Event: e, name: e.Name, activity: true, session: ev.sessions[e.SessionID]}
		if !ev.matchAll(&r, q.Filters) {
			continue
		}
		if bySession[e.SessionID] == nil {
			order = append(order, e.SessionID)
		}
		bySession[e.SessionID] = append(bySession[e.SessionID], e)
	}
	reached := make([]map[uint64]bool, len(q.Steps))
	for i := range reached {
		reached[i] = map[uint64]bool{}
	}
	for _, id := range order {
		rs := bySession[id]
		slices.SortStableFunc(rs, func(a, b *store.Event) int { return a.Timestamp.Compare(b.Timestamp) })
		var last time.Time
		for i, step := range q.Steps {
			found := false
			for _, e := range rs {
				if i > 0 && !e.Timestamp.After(last) {
					continue
				}
				if (step.EventName != "" && e.Name == step.EventName) ||
					(step.Page != "" && e.Name == "pageview" && steps[i].MatchString(e.Pathname)) {
					last, found = e.Timestamp, true
					break
				}
			}
			if !found {
				break
			}
			reached[i][rs[0].VisitorID] = true
		}
	}
	out := make([]int64, len(q.Steps))
	for i := range out {
		out[i] = int64(len(reached[i]))
	}
	return out, nil
}

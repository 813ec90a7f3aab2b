package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Evaluate answers q over events the slow, obvious way, in Go. It is the
// suite's oracle, independent of any SQL engine, so that the golden file
// cannot silently freeze a backend's mistake. It is also the executable
// statement of the query semantics every backend shares:
//
//   - Engagement events only carry measurements of a page already viewed;
//     no metric defined today counts them, so rows named "engagement" are
//     ignored entirely (they form no group of their own).
//   - visitors and visits count distinct VisitorID and SessionID values,
//     pageviews counts "pageview" rows, events counts every other row too.
//   - Filters compare the column's value: "" is a value like any other.
//     "is"/"is_not" match exactly, "contains"/"contains_not" match a
//     case-insensitive substring; several values mean any of them.
//   - Time buckets are computed in q.TimeZone: "time" and "time:day" are
//     labelled "2006-01-02", "time:hour" "2006-01-02 15:00:00" (a repeated
//     hour at a DST change is one bucket), "time:week" by its Monday and
//     "time:month" by its first day, both "2006-01-02".
//   - A query without dimensions returns exactly one row, zeros included.
//   - Rows are ordered by q.OrderBy, else by the first metric descending;
//     dimensions not yet ordered on then follow ascending (byte order), so
//     the order is total. TotalRows counts rows before Limit and Offset.
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

	type group struct {
		dims               []string
		visitors, sessions map[uint64]bool
		pageviews, events  int
	}
	groups := map[string]*group{}
	var order []*group
	if len(q.Dimensions) == 0 {
		g := &group{dims: []string{}, visitors: map[uint64]bool{}, sessions: map[uint64]bool{}}
		groups[""] = g
		order = append(order, g)
	}
	for i := range events {
		e := &events[i]
		if e.SiteID != q.SiteID || e.Timestamp.Before(q.From) || !e.Timestamp.Before(q.To) || e.Name == "engagement" {
			continue
		}
		if !refMatchAll(e, q.Filters) {
			continue
		}
		dims := make([]string, len(q.Dimensions))
		for j, d := range q.Dimensions {
			dims[j] = refDimension(e, d, loc)
		}
		key := strings.Join(dims, "\x00")
		g := groups[key]
		if g == nil {
			g = &group{dims: dims, visitors: map[uint64]bool{}, sessions: map[uint64]bool{}}
			groups[key] = g
			order = append(order, g)
		}
		g.visitors[e.VisitorID] = true
		g.sessions[e.SessionID] = true
		if e.Name == "pageview" {
			g.pageviews++
		}
		g.events++
	}

	rows := make([]store.Row, 0, len(order))
	for _, g := range order {
		r := store.Row{Dimensions: g.dims, Metrics: make([]float64, len(q.Metrics))}
		for j, m := range q.Metrics {
			switch m {
			case "visitors":
				r.Metrics[j] = float64(len(g.visitors))
			case "visits":
				r.Metrics[j] = float64(len(g.sessions))
			case "pageviews":
				r.Metrics[j] = float64(g.pageviews)
			case "events":
				r.Metrics[j] = float64(g.events)
			}
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, refCompare(q))

	res := store.Result{TotalRows: len(rows)}
	lo := min(q.Offset, len(rows))
	hi := len(rows)
	if q.Limit > 0 {
		hi = min(lo+q.Limit, hi)
	}
	res.Rows = rows[lo:hi]
	return res, nil
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

func refMatchAll(e *store.Event, filters []store.Filter) bool {
	for _, f := range filters {
		if !refMatch(e, f) {
			return false
		}
	}
	return true
}

func refMatch(e *store.Event, f store.Filter) bool {
	switch f.Op {
	case "and":
		return refMatchAll(e, f.Children)
	case "or":
		return slices.ContainsFunc(f.Children, func(c store.Filter) bool { return refMatch(e, c) })
	case "not":
		return !refMatch(e, f.Children[0])
	}
	v := refColumn(e, store.Dimensions[f.Dimension])
	switch f.Op {
	case "is":
		return slices.Contains(f.Values, v)
	case "is_not":
		return !slices.Contains(f.Values, v)
	case "contains":
		return refContains(v, f.Values)
	case "contains_not":
		return !refContains(v, f.Values)
	}
	panic("storetest: unknown filter operator " + f.Op)
}

func refContains(v string, subs []string) bool {
	v = strings.ToLower(v)
	return slices.ContainsFunc(subs, func(s string) bool { return strings.Contains(v, strings.ToLower(s)) })
}

func refDimension(e *store.Event, d string, loc *time.Location) string {
	t := e.Timestamp.In(loc)
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
	}
	return refColumn(e, store.Dimensions[d])
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

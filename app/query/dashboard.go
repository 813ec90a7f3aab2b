package query

import (
	"slices"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Panel is one named query of a dashboard view.
type Panel struct {
	Name  string
	Query store.Query
}

// DashboardQueries returns the queries one dashboard view makes for a site
// over [from, to) (DESIGN §8's "full dashboard"): the top figures and
// those of the previous period, the daily series, and every panel's top
// ten, with the site's goals. filters, if any, apply to all of them.
// Benchmarks of every events backend and `footfall bench query` time this
// set.
func DashboardQueries(site int64, from, to time.Time, tz string, filters []store.Filter, goals []store.Goal) []Panel {
	base := func(mod func(*store.Query)) store.Query {
		q := store.Query{SiteID: site, From: from, To: to, TimeZone: tz, Filters: filters, Goals: goals}
		mod(&q)
		return q
	}
	top := func(dim string, metrics ...string) store.Query {
		return base(func(q *store.Query) {
			q.Dimensions = []string{dim}
			q.Metrics = metrics
			q.Limit = 10
		})
	}
	headline := []string{"visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"}
	panels := []Panel{
		{"totals", base(func(q *store.Query) { q.Metrics = headline })},
		{"totals-previous", base(func(q *store.Query) {
			q.Metrics = headline
			q.From, q.To = from.Add(-to.Sub(from)), from
		})},
		{"series", base(func(q *store.Query) {
			q.Metrics = []string{"visitors", "pageviews"}
			q.Dimensions = []string{"time:day"}
		})},
		{"pages", top("event:page", "visitors", "pageviews")},
		{"entry-pages", top("visit:entry_page", "visitors", "visits", "bounce_rate")},
		{"exit-pages", top("visit:exit_page", "visitors", "visits")},
		{"sources", top("visit:source", "visitors", "bounce_rate")},
		{"channels", top("visit:channel", "visitors")},
		{"utm-sources", top("visit:utm_source", "visitors")},
		{"countries", top("visit:country", "visitors", "percentage")},
		{"regions", top("visit:region", "visitors")},
		{"browsers", top("visit:browser", "visitors", "percentage")},
		{"os", top("visit:os", "visitors", "percentage")},
		{"devices", top("visit:device", "visitors", "percentage")},
		{"goals", top(store.DimGoal, "visitors", "events", "conversion_rate")},
		{"vitals", top("event:page", "lcp_p75", "inp_p75", "cls_p75")},
	}
	if len(goals) == 0 {
		panels = slices.DeleteFunc(panels, func(p Panel) bool { return p.Name == "goals" })
	}
	return panels
}

// Package alerts watches sites for conditions their owners want to hear
// about (a traffic spike or drop, goal conversions, a Core Web Vitals
// regression, a tracker gone quiet) and tells them through email, Slack
// or a signed webhook: one message when an incident starts and one when
// it ends. Rules are evaluated through the stats engine (store.Query), so
// an alert and the dashboard always agree. The operator's job alerts use
// the same channels and incident bookkeeping.
package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Rule kinds.
const (
	KindSpike          = "traffic_spike"
	KindDrop           = "traffic_drop"
	KindGoal           = "goal_conversions"
	KindVitals         = "vitals_regression"
	KindTrackerMissing = "tracker_missing"
)

// Kinds lists the rule kinds, for validation and the API.
var Kinds = []string{KindSpike, KindDrop, KindGoal, KindVitals, KindTrackerMissing}

// Params are a rule's settings; which apply depends on the kind:
//
//   - traffic_spike: Visitors — current visitors (the last 5 minutes)
//     above it.
//   - traffic_drop: Hours — no pageviews for that many hours (when the
//     week before had some); and/or Percent — the last hour's pageviews
//     below that percentage of the usual for this hour of the week (the
//     mean of the same hour over the previous four weeks, when it is at
//     least MinUsual).
//   - goal_conversions: Goal (a goal's name), Count, Hours — at least Count
//     conversions in the last Hours.
//   - vitals_regression: Metric (lcp, inp or cls) — its p75 over the last
//     Days (default 7) is "poor", or, with WorsenPercent, worse than the
//     Days before by that percentage.
//   - tracker_missing: Hours — no events at all for that many hours since
//     the tracker was last seen (in the last 30 days).
type Params struct {
	Visitors      int     `json:"visitors,omitempty"`
	Hours         int     `json:"hours,omitempty"`
	Percent       float64 `json:"percent,omitempty"`
	MinUsual      int     `json:"min_usual,omitempty"`
	Goal          string  `json:"goal,omitempty"`
	Count         int     `json:"count,omitempty"`
	Metric        string  `json:"metric,omitempty"`
	Days          int     `json:"days,omitempty"`
	WorsenPercent float64 `json:"worsen_percent,omitempty"`
}

// defaultMinUsual: below this many pageviews in the usual hour, a drop
// in percent is noise.
const defaultMinUsual = 10

// ParseParams reads and checks a rule's params for kind; goals are the
// site's goal names (for goal_conversions). The error is a sentence for
// the API client.
func ParseParams(kind string, raw []byte, goals []string) (Params, error) {
	var p Params
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return Params{}, fmt.Errorf("params: %v", err)
		}
	}
	switch kind {
	case KindSpike:
		if p.Visitors < 1 {
			return p, errors.New("a traffic_spike rule needs params.visitors, the number of current visitors to exceed (1 or more)")
		}
	case KindDrop:
		if p.Hours == 0 && p.Percent == 0 {
			return p, errors.New("a traffic_drop rule needs params.hours (no pageviews for that many hours) or params.percent (below that % of the usual)")
		}
		if p.Hours < 0 || p.Hours > 24*14 {
			return p, errors.New("params.hours must be from 1 to 336")
		}
		if p.Percent < 0 || p.Percent >= 100 {
			return p, errors.New("params.percent must be above 0 and below 100")
		}
		if p.MinUsual < 0 {
			return p, errors.New("params.min_usual must not be negative")
		}
	case KindGoal:
		if p.Goal == "" {
			return p, errors.New("a goal_conversions rule needs params.goal, the name of one of the site's goals")
		}
		found := false
		for _, g := range goals {
			found = found || g == p.Goal
		}
		if !found {
			return p, fmt.Errorf("the site has no goal named %q", p.Goal)
		}
		if p.Count < 1 || p.Hours < 1 || p.Hours > 24*31 {
			return p, errors.New("a goal_conversions rule needs params.count (1 or more) and params.hours (1 to 744)")
		}
	case KindVitals:
		switch p.Metric {
		case "lcp", "inp", "cls":
		default:
			return p, errors.New(`a vitals_regression rule needs params.metric: "lcp", "inp" or "cls"`)
		}
		if p.Days < 0 || p.Days > 28 {
			return p, errors.New("params.days must be from 1 to 28 (default 7)")
		}
		if p.WorsenPercent < 0 {
			return p, errors.New("params.worsen_percent must not be negative")
		}
	case KindTrackerMissing:
		if p.Hours < 1 || p.Hours > 24*14 {
			return p, errors.New("a tracker_missing rule needs params.hours, from 1 to 336")
		}
	default:
		return p, fmt.Errorf("unknown rule kind %q: use one of %s", kind, strings.Join(Kinds, ", "))
	}
	return p, nil
}

// Events answers stats queries: the events store.
type Events interface {
	Query(ctx context.Context, q store.Query) (store.Result, error)
}

// Verdict is a rule's answer at one moment.
type Verdict struct {
	Firing    bool
	Value     float64 // what was measured
	Threshold float64 // what it was compared with
	Summary   string  // a sentence saying both
}

// checker evaluates rules of one site at one moment.
type checker struct {
	events Events
	site   store.Site
	goals  []store.Goal
	now    time.Time
}

// count runs one metric over [from, to) with optional filters.
func (c *checker) count(ctx context.Context, metric string, from, to time.Time, filters ...store.Filter) (float64, error) {
	q := store.Query{SiteID: c.site.ID, From: from, To: to, TimeZone: "UTC", Metrics: []string{metric}, Filters: filters}
	if len(filters) > 0 {
		q.Goals = c.goals
	}
	res, err := c.events.Query(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("query %s of site %d: %w", metric, c.site.ID, err)
	}
	if len(res.Rows) == 0 || len(res.Rows[0].Metrics) == 0 {
		return 0, nil
	}
	v := res.Rows[0].Metrics[0]
	if math.IsNaN(v) {
		return 0, nil
	}
	return v, nil
}

// Check evaluates a rule of kind with params p for site at now.
func Check(ctx context.Context, ev Events, site store.Site, goals []store.Goal, kind string, p Params, now time.Time) (Verdict, error) {
	c := &checker{events: ev, site: site, goals: goals, now: now}
	switch kind {
	case KindSpike:
		return c.spike(ctx, p)
	case KindDrop:
		return c.drop(ctx, p)
	case KindGoal:
		return c.goal(ctx, p)
	case KindVitals:
		return c.vitals(ctx, p)
	case KindTrackerMissing:
		return c.trackerMissing(ctx, p)
	}
	return Verdict{}, fmt.Errorf("unknown rule kind %q", kind)
}

// currentWindow is what "current visitors" means, as on the dashboard's
// realtime view and in Plausible.
const currentWindow = 5 * time.Minute

func (c *checker) spike(ctx context.Context, p Params) (Verdict, error) {
	v, err := c.count(ctx, "visitors", c.now.Add(-currentWindow), c.now)
	if err != nil {
		return Verdict{}, err
	}
	return Verdict{Firing: v > float64(p.Visitors), Value: v, Threshold: float64(p.Visitors),
		Summary: fmt.Sprintf("%s current visitors (alert above %d)", num(v), p.Visitors)}, nil
}

func (c *checker) drop(ctx context.Context, p Params) (Verdict, error) {
	if p.Hours > 0 {
		window := time.Duration(p.Hours) * time.Hour
		v, err := c.count(ctx, "pageviews", c.now.Add(-window), c.now)
		if err != nil {
			return Verdict{}, err
		}
		before, err := c.count(ctx, "pageviews", c.now.Add(-window-7*24*time.Hour), c.now.Add(-window))
		if err != nil {
			return Verdict{}, err
		}
		if v == 0 && before > 0 {
			return Verdict{Firing: true, Value: 0, Threshold: float64(p.Hours),
				Summary: fmt.Sprintf("no pageviews in the last %d hours", p.Hours)}, nil
		}
		if p.Percent == 0 {
			return Verdict{Value: v, Threshold: float64(p.Hours),
				Summary: fmt.Sprintf("%s pageviews in the last %d hours", num(v), p.Hours)}, nil
		}
	}
	// The same hour of the week over the previous four weeks.
	last, err := c.count(ctx, "pageviews", c.now.Add(-time.Hour), c.now)
	if err != nil {
		return Verdict{}, err
	}
	var sum float64
	for w := 1; w <= 4; w++ {
		back := time.Duration(w) * 7 * 24 * time.Hour
		v, err := c.count(ctx, "pageviews", c.now.Add(-back-time.Hour), c.now.Add(-back))
		if err != nil {
			return Verdict{}, err
		}
		sum += v
	}
	usual := sum / 4
	minUsual := p.MinUsual
	if minUsual == 0 {
		minUsual = defaultMinUsual
	}
	limit := usual * p.Percent / 100
	share := 0.0
	if usual > 0 {
		share = 100 * last / usual
	}
	return Verdict{
		Firing: usual >= float64(minUsual) && last < limit, Value: last, Threshold: limit,
		Summary: fmt.Sprintf("%s pageviews in the last hour, %s%% of the usual %s for this hour of the week (alert below %s%%)",
			num(last), num(math.Round(share)), num(math.Round(usual*10)/10), num(p.Percent)),
	}, nil
}

func (c *checker) goal(ctx context.Context, p Params) (Verdict, error) {
	window := time.Duration(p.Hours) * time.Hour
	v, err := c.count(ctx, "events", c.now.Add(-window), c.now,
		store.Filter{Op: "is", Dimension: store.DimGoal, Values: []string{p.Goal}})
	if err != nil {
		return Verdict{}, err
	}
	return Verdict{Firing: v >= float64(p.Count), Value: v, Threshold: float64(p.Count),
		Summary: fmt.Sprintf("%s conversions of %q in the last %d hours (alert at %d)", num(v), p.Goal, p.Hours, p.Count)}, nil
}

// VitalsThresholds are the "poor" limits of the Core Web Vitals (p75).
func poorLimit(metric string) float64 {
	for _, pf := range store.Perfs {
		if pf.Name == metric {
			return pf.Poor
		}
	}
	return math.Inf(1)
}

func (c *checker) vitals(ctx context.Context, p Params) (Verdict, error) {
	days := p.Days
	if days == 0 {
		days = 7
	}
	window := time.Duration(days) * 24 * time.Hour
	metric := p.Metric + "_p75"
	cur, err := c.count(ctx, metric, c.now.Add(-window), c.now)
	if err != nil {
		return Verdict{}, err
	}
	prev, err := c.count(ctx, metric, c.now.Add(-2*window), c.now.Add(-window))
	if err != nil {
		return Verdict{}, err
	}
	poor := poorLimit(p.Metric)
	v := Verdict{Value: cur, Threshold: poor}
	if cur == 0 {
		v.Summary = fmt.Sprintf("no %s measurements in the last %d days", strings.ToUpper(p.Metric), days)
		return v, nil
	}
	switch {
	case cur > poor:
		v.Firing = true
		v.Summary = fmt.Sprintf("p75 %s is %s over the last %d days: poor (above %s)", strings.ToUpper(p.Metric), vital(p.Metric, cur), days, vital(p.Metric, poor))
	case p.WorsenPercent > 0 && prev > 0 && cur >= prev*(1+p.WorsenPercent/100):
		v.Firing, v.Threshold = true, prev*(1+p.WorsenPercent/100)
		v.Summary = fmt.Sprintf("p75 %s is %s over the last %d days, %s%% worse than the %d days before (%s)",
			strings.ToUpper(p.Metric), vital(p.Metric, cur), days, num(math.Round(100*(cur/prev-1))), days, vital(p.Metric, prev))
	default:
		v.Summary = fmt.Sprintf("p75 %s is %s over the last %d days", strings.ToUpper(p.Metric), vital(p.Metric, cur), days)
	}
	return v, nil
}

func (c *checker) trackerMissing(ctx context.Context, p Params) (Verdict, error) {
	window := time.Duration(p.Hours) * time.Hour
	v, err := c.count(ctx, "events", c.now.Add(-window), c.now)
	if err != nil {
		return Verdict{}, err
	}
	if v > 0 {
		return Verdict{Value: v, Threshold: float64(p.Hours), Summary: fmt.Sprintf("%s events in the last %d hours", num(v), p.Hours)}, nil
	}
	// Last seen: the newest hour with events in the 30 days before.
	res, err := c.events.Query(ctx, store.Query{SiteID: c.site.ID, From: c.now.Add(-30 * 24 * time.Hour), To: c.now.Add(-window),
		TimeZone: "UTC", Metrics: []string{"events"}, Dimensions: []string{"time:hour"},
		OrderBy: []store.Order{{Key: "time:hour", Desc: true}}, Limit: 1})
	if err != nil {
		return Verdict{}, fmt.Errorf("query last seen of site %d: %w", c.site.ID, err)
	}
	if len(res.Rows) == 0 {
		// Never seen (lately): nothing went missing.
		return Verdict{Threshold: float64(p.Hours), Summary: "no events in the last 30 days"}, nil
	}
	seen := res.Rows[0].Dimensions[0]
	return Verdict{Firing: true, Threshold: float64(p.Hours),
		Summary: fmt.Sprintf("no events for %d hours or more; the tracker was last seen in the hour of %s UTC", p.Hours, strings.TrimSuffix(seen, ":00"))}, nil
}

// num formats a count or percentage without needless decimals.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// vital formats a Core Web Vital's value in its unit.
func vital(metric string, v float64) string {
	if metric == "cls" {
		return fmt.Sprintf("%.2f", v)
	}
	if v >= 1000 {
		return fmt.Sprintf("%.1f s", v/1000)
	}
	return fmt.Sprintf("%d ms", int64(math.Round(v)))
}

package store

import (
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
)

// Query is a resolved stats question for one site: the Plausible Stats API
// v2 model after the site, date range, time zone and goals were looked up.
// Events backends compile it to their own SQL; storetest.Evaluate states
// the semantics every backend shares.
type Query struct {
	SiteID   int64
	From, To time.Time // [From, To), UTC
	TimeZone string    // IANA name used for time buckets; "" = UTC

	Metrics    []string // see Metrics
	Dimensions []string // see IsDimension
	Filters    []Filter // all must hold (an implicit "and")
	OrderBy    []Order  // default: first metric descending, then dimensions ascending
	Limit      int      // 0 = no limit
	Offset     int

	// Goals are the site's goals, needed when the query names event:goal
	// in a dimension or filter. A filter or dimension value is a goal's
	// Name.
	Goals []Goal `json:",omitempty"`
}

// Goal is a conversion a site counts: a custom event by name, or a
// pageview of a path matching Page, where "*" stands for any run of
// characters except "/" and "**" for any run at all. Exactly one of
// EventName and Page is set.
type Goal struct {
	Name      string // display name, unique per site
	EventName string `json:",omitempty"`
	Page      string `json:",omitempty"`
}

// PageRegexp returns the anchored regular expression (RE2 syntax, which
// every backend's engine speaks) equivalent to a page goal's path pattern.
func PageRegexp(pattern string) string {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); {
		switch {
		case strings.HasPrefix(pattern[i:], "**"):
			b.WriteString(".*")
			i += 2
		case pattern[i] == '*':
			b.WriteString("[^/]*")
			i++
		default:
			j := i + 1
			for j < len(pattern) && pattern[j] != '*' {
				j++
			}
			b.WriteString(regexp.QuoteMeta(pattern[i:j]))
			i = j
		}
	}
	b.WriteString("$")
	return b.String()
}

// Filter is one condition of a query. Op is a comparison over Dimension
// with Values (any value matches): "is", "is_not", "contains",
// "contains_not" (case-insensitive substring), "matches", "matches_not"
// (a regular expression found anywhere in the value, RE2 syntax); or a
// logical operator ("and", "or", "not") over Children.
type Filter struct {
	Op        string
	Dimension string   `json:",omitempty"`
	Values    []string `json:",omitempty"`
	Children  []Filter `json:",omitempty"`
}

// Order sorts results by a metric or dimension of the query.
type Order struct {
	Key  string
	Desc bool
}

// Row is one result row: dimension values in query order, then metric
// values in query order.
type Row struct {
	Dimensions []string
	Metrics    []float64
}

// Result answers a Query.
type Result struct {
	Rows      []Row
	TotalRows int // rows before Limit/Offset
}

// Metrics are grouped by what they read; see storetest.Evaluate for each
// definition.
var (
	// CountMetrics count activity: visitors, sessions, pageviews, events,
	// and the share of visitors.
	CountMetrics = []string{"visitors", "visits", "pageviews", "events", "percentage"}
	// SessionMetrics describe whole sessions that had matching activity.
	SessionMetrics = []string{"views_per_visit", "bounce_rate", "visit_duration"}
	// ConversionMetrics need a goal: a top-level event:goal filter or an
	// event:goal dimension.
	ConversionMetrics = []string{"conversion_rate", "group_conversion_rate"}
	// RevenueMetrics sum the revenue of matching events.
	RevenueMetrics = []string{"total_revenue", "average_revenue"}
	// PageMetrics summarise engagement reports per session and page.
	PageMetrics = []string{"scroll_depth", "time_on_page"}
)

// Perf describes one real-user performance measurement.
type Perf struct {
	Name   string // metric prefix, e.g. "lcp"
	Column string // events column
	// Good and Poor are the Core Web Vitals thresholds: a sample ≤ Good is
	// good, > Poor is poor, anything between needs improvement. Zero for
	// timings, which have no official thresholds.
	Good, Poor float64
}

// Perfs lists the measurements with percentile metrics (<name>_p50,
// _p75, _p95); those with thresholds also have <name>_good,
// <name>_needs_improvement and <name>_poor, the percentage of samples in
// each band.
var Perfs = []Perf{
	{"lcp", "lcp_ms", 2500, 4000},
	{"inp", "inp_ms", 200, 500},
	{"cls", "cls", 0.1, 0.25},
	{"fcp", "fcp_ms", 1800, 3000},
	{"ttfb", "ttfb_ms", 800, 1800},
	{"dns", "dns_ms", 0, 0},
	{"connect", "connect_ms", 0, 0},
	{"tls", "tls_ms", 0, 0},
	{"response", "response_ms", 0, 0},
	{"dom", "dom_ms", 0, 0},
	{"load", "load_ms", 0, 0},
}

// PerfMetric is a parsed performance metric name.
type PerfMetric struct {
	Perf
	Quantile float64 // 0.5, 0.75 or 0.95; 0 for a band share
	Band     string  // "good", "needs_improvement" or "poor"; "" for a quantile
}

// ParsePerfMetric parses "lcp_p75", "cls_poor" and the like.
func ParsePerfMetric(m string) (PerfMetric, bool) {
	for _, p := range Perfs {
		rest, ok := strings.CutPrefix(m, p.Name+"_")
		if !ok {
			continue
		}
		switch rest {
		case "p50":
			return PerfMetric{p, 0.5, ""}, true
		case "p75":
			return PerfMetric{p, 0.75, ""}, true
		case "p95":
			return PerfMetric{p, 0.95, ""}, true
		case "good", "needs_improvement", "poor":
			if p.Poor > 0 {
				return PerfMetric{p, 0, rest}, true
			}
		}
	}
	return PerfMetric{}, false
}

// Metrics lists every metric name.
var Metrics = func() []string {
	m := slices.Concat(CountMetrics, SessionMetrics, ConversionMetrics, RevenueMetrics, PageMetrics)
	for _, p := range Perfs {
		m = append(m, p.Name+"_p50", p.Name+"_p75", p.Name+"_p95")
		if p.Poor > 0 {
			m = append(m, p.Name+"_good", p.Name+"_needs_improvement", p.Name+"_poor")
		}
	}
	return m
}()

// Dimensions maps each plain dimension name to the event column holding
// it. Other dimensions are the time buckets (TimeDimensions),
// "event:props:<key>", "event:goal", "visit:exit_page" (the path of the
// session's last pageview) and the "_name" variants of NameDimensions.
var Dimensions = map[string]string{
	"event:name":            "name",
	"event:page":            "pathname",
	"event:hostname":        "hostname",
	"visit:entry_page":      "entry_page",
	"visit:referrer":        "referrer",
	"visit:source":          "source",
	"visit:channel":         "channel",
	"visit:utm_source":      "utm_source",
	"visit:utm_medium":      "utm_medium",
	"visit:utm_campaign":    "utm_campaign",
	"visit:utm_content":     "utm_content",
	"visit:utm_term":        "utm_term",
	"visit:country":         "country",
	"visit:region":          "region",
	"visit:city":            "city",
	"visit:browser":         "browser",
	"visit:browser_version": "browser_version",
	"visit:os":              "os",
	"visit:os_version":      "os_version",
	"visit:device":          "device",
	"visit:screen":          "screen",
}

// NameDimensions are the display-name variants of the geographic
// dimensions. The events store answers them like the code dimension they
// name; the query layer maps codes to names.
var NameDimensions = map[string]string{
	"visit:country_name": "visit:country",
	"visit:region_name":  "visit:region",
	"visit:city_name":    "visit:city",
}

// Special dimensions, answered from more than one column.
const (
	DimGoal      = "event:goal"
	DimExitPage  = "visit:exit_page"
	PropsPrefix  = "event:props:"
	NoneValue    = "(none)" // the event:props value of an event without that property
	MaxPropKey   = 300
	MaxRegexpLen = 512
)

// TimeDimensions are the time-bucket dimensions; "time" means "time:day"
// here (the query layer picks a bucket for it from the date range).
var TimeDimensions = []string{"time", "time:hour", "time:day", "time:week", "time:month"}

var filterOps = map[string]bool{
	"is": true, "is_not": true, "contains": true, "contains_not": true,
	"matches": true, "matches_not": true,
	"and": true, "or": true, "not": true,
}

// IsDimension reports whether d is a known dimension name.
func IsDimension(d string) bool {
	if _, ok := Dimensions[d]; ok {
		return true
	}
	if _, ok := NameDimensions[d]; ok {
		return true
	}
	if k, ok := strings.CutPrefix(d, PropsPrefix); ok {
		return validPropKey(k)
	}
	return d == DimGoal || d == DimExitPage || slices.Contains(TimeDimensions, d)
}

// IsTimeDimension reports whether d is a time bucket.
func IsTimeDimension(d string) bool { return slices.Contains(TimeDimensions, d) }

// IsEventDimension reports whether d describes single events rather than
// whole sessions.
func IsEventDimension(d string) bool { return strings.HasPrefix(d, "event:") }

func validPropKey(k string) bool {
	return k != "" && len(k) <= MaxPropKey && !strings.ContainsRune(k, 0)
}

// GoalFilters returns the top-level filters on event:goal: they decide
// what counts as a conversion for the conversion metrics.
func (q Query) GoalFilters() []Filter {
	var out []Filter
	for _, f := range q.Filters {
		if f.Dimension == DimGoal {
			out = append(out, f)
		}
	}
	return out
}

// Validate checks that q only names metrics, dimensions, filters and orders
// this package defines, in combinations that mean something, so backends
// can trust every identifier they put in SQL. Its error is a sentence meant
// for the API client.
func (q Query) Validate() error {
	if q.SiteID == 0 {
		return fmt.Errorf("missing site")
	}
	if !q.From.Before(q.To) {
		return fmt.Errorf("date range is empty: %s is not before %s", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	if q.TimeZone != "" {
		if _, err := time.LoadLocation(q.TimeZone); err != nil {
			return fmt.Errorf("unknown time zone %q", q.TimeZone)
		}
	}
	if len(q.Metrics) == 0 {
		return fmt.Errorf("at least one metric is required")
	}
	seen := map[string]bool{}
	for _, d := range q.Dimensions {
		if !IsDimension(d) {
			return fmt.Errorf("unknown dimension %q", d)
		}
		if seen[d] {
			return fmt.Errorf("dimension %q is listed twice", d)
		}
		seen[d] = true
	}
	goals := map[string]bool{}
	for _, g := range q.Goals {
		if g.Name == "" || goals[g.Name] || (g.EventName == "") == (g.Page == "") {
			return fmt.Errorf("goal %q is not valid: goals need a unique name and either an event name or a page", g.Name)
		}
		goals[g.Name] = true
	}
	for _, f := range q.Filters {
		if err := f.validate(0, goals); err != nil {
			return err
		}
	}
	hasGoal := seen[DimGoal] || len(q.GoalFilters()) > 0
	for _, m := range q.Metrics {
		if !slices.Contains(Metrics, m) {
			return fmt.Errorf("unknown metric %q", m)
		}
		if seen[m] {
			return fmt.Errorf("metric %q is listed twice", m)
		}
		seen[m] = true
		switch {
		case slices.Contains(ConversionMetrics, m) && !hasGoal:
			return fmt.Errorf("metric %q needs a goal: filter by event:goal or break down by it", m)
		case m == "group_conversion_rate" && len(q.Dimensions) == 0:
			return fmt.Errorf("metric \"group_conversion_rate\" needs a dimension to group by")
		case slices.Contains(SessionMetrics, m):
			for _, d := range q.Dimensions {
				if IsEventDimension(d) {
					return fmt.Errorf("metric %q describes whole visits and cannot be broken down by the event dimension %q", m, d)
				}
			}
		}
	}
	for _, o := range q.OrderBy {
		if !seen[o.Key] {
			return fmt.Errorf("cannot order by %q: it is not a metric or dimension of the query", o.Key)
		}
	}
	if q.Limit < 0 || q.Offset < 0 {
		return fmt.Errorf("pagination limit and offset must not be negative")
	}
	return nil
}

const maxFilterDepth = 8

func (f Filter) validate(depth int, goals map[string]bool) error {
	if depth > maxFilterDepth {
		return fmt.Errorf("filters are nested more than %d levels deep", maxFilterDepth)
	}
	if !filterOps[f.Op] {
		return fmt.Errorf("unknown filter operator %q", f.Op)
	}
	switch f.Op {
	case "and", "or", "not":
		if len(f.Children) == 0 || (f.Op == "not" && len(f.Children) != 1) {
			return fmt.Errorf("filter %q has the wrong number of operands", f.Op)
		}
		for _, c := range f.Children {
			if err := c.validate(depth+1, goals); err != nil {
				return err
			}
		}
		return nil
	}
	if !IsDimension(f.Dimension) || IsTimeDimension(f.Dimension) {
		return fmt.Errorf("cannot filter by %q", f.Dimension)
	}
	if _, ok := NameDimensions[f.Dimension]; ok {
		return fmt.Errorf("cannot filter by %q: filter by %q with codes instead", f.Dimension, NameDimensions[f.Dimension])
	}
	if len(f.Values) == 0 {
		return fmt.Errorf("filter on %q has no values", f.Dimension)
	}
	for _, v := range f.Values {
		if strings.ContainsRune(v, 0) {
			return fmt.Errorf("filter on %q has a value with a NUL character", f.Dimension)
		}
	}
	if f.Dimension == DimGoal {
		if f.Op != "is" && f.Op != "is_not" {
			return fmt.Errorf("goals can only be filtered with \"is\" or \"is_not\"")
		}
		for _, v := range f.Values {
			if !goals[v] {
				return fmt.Errorf("no goal named %q on this site", v)
			}
		}
	}
	if f.Op == "matches" || f.Op == "matches_not" {
		for _, v := range f.Values {
			if err := CheckRegexp(v); err != nil {
				return fmt.Errorf("filter on %q: %v", f.Dimension, err)
			}
		}
	}
	return nil
}

// CheckRegexp accepts a pattern for "matches" filters only if it is valid
// RE2 syntax (what DuckDB, ClickHouse and Go all implement), short, and
// compiles to a small program, so no filter can make a scan expensive.
func CheckRegexp(pattern string) error {
	if len(pattern) > MaxRegexpLen {
		return fmt.Errorf("regular expression is longer than %d bytes", MaxRegexpLen)
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return fmt.Errorf("invalid regular expression %q: %v", pattern, err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil || len(prog.Inst) > 4*MaxRegexpLen {
		return fmt.Errorf("regular expression %q is too complex", pattern)
	}
	return nil
}

// Round rounds a metric's exact value to the precision every backend
// reports: whole numbers for counts, seconds and percentages of visits,
// one decimal for shares of visitors and of samples, two for rates,
// averages and money, three for CLS.
func Round(metric string, v float64) float64 {
	switch metric {
	case "percentage":
		return roundTo(v, 1)
	case "views_per_visit", "conversion_rate", "group_conversion_rate", "total_revenue", "average_revenue":
		return roundTo(v, 2)
	case "bounce_rate", "visit_duration", "scroll_depth", "time_on_page":
		return math.Round(v)
	}
	if pm, ok := ParsePerfMetric(metric); ok {
		switch {
		case pm.Band != "":
			return roundTo(v, 1)
		case pm.Name == "cls":
			return roundTo(v, 3)
		}
	}
	return v
}

func roundTo(v float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(v*p) / p
}

// NearestRank returns the 0-based index, in n sorted samples, of the
// nearest-rank q-quantile: ⌈q·n⌉ − 1, computed exactly for the quantiles
// of Perfs (whole percents). It is what DuckDB's quantile_disc returns.
func NearestRank(n int, q float64) int {
	pct := int(math.Round(q * 100))
	return max((n*pct+99)/100, 1) - 1
}

// FunnelQuery asks how far visits went through ordered steps: step i
// counts the visitors with a visit in which, after completing steps 1 to
// i−1 in that order, they completed step i (each step strictly later than
// the one before; other events in between are fine). Only activity rows
// passing Filters count as step completions; Goals serve filters on
// event:goal as in Query.
type FunnelQuery struct {
	SiteID   int64
	From, To time.Time
	Filters  []Filter
	Goals    []Goal
	Steps    []Goal // 2 to MaxFunnelSteps
}

// MaxFunnelSteps bounds a funnel's length.
const MaxFunnelSteps = 8

// Validate checks a funnel query like Query.Validate.
func (f FunnelQuery) Validate() error {
	if len(f.Steps) < 2 || len(f.Steps) > MaxFunnelSteps {
		return fmt.Errorf("a funnel has 2 to %d steps, not %d", MaxFunnelSteps, len(f.Steps))
	}
	for i, s := range f.Steps {
		if (s.EventName == "") == (s.Page == "") {
			return fmt.Errorf("funnel step %d needs either an event name or a page", i+1)
		}
	}
	return Query{SiteID: f.SiteID, From: f.From, To: f.To, Filters: f.Filters, Goals: f.Goals, Metrics: []string{"visitors"}}.Validate()
}

// VisitLevel reports whether q only involves whole visits: dimensions and
// filters on the attributes stamped on every event of a visit (and its
// exit page), and metrics that count visits, visitors and their events.
// Backends answer such a query from one row per visit, without joining
// visits back to their events: the same answer, several times faster.
func VisitLevel(q Query) bool {
	for _, m := range q.Metrics {
		if !slices.Contains(CountMetrics, m) && !slices.Contains(SessionMetrics, m) {
			return false
		}
	}
	for _, d := range q.Dimensions {
		if !visitDimension(d) {
			return false
		}
	}
	var filters func(fs []Filter) bool
	filters = func(fs []Filter) bool {
		for _, f := range fs {
			if f.Dimension != "" && !visitDimension(f.Dimension) {
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

func visitDimension(d string) bool {
	if code, ok := NameDimensions[d]; ok {
		d = code
	}
	_, plain := Dimensions[d]
	return d == DimExitPage || (plain && strings.HasPrefix(d, "visit:"))
}

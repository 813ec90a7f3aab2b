package store

import (
	"fmt"
	"strings"
	"time"
)

// Query is a resolved stats question for one site: the Plausible Stats API
// v2 model after the site, date range and time zone were looked up. Events
// backends compile it to their own SQL.
type Query struct {
	SiteID   int64
	From, To time.Time // [From, To), UTC
	TimeZone string    // IANA name used for time buckets; "" = UTC

	Metrics    []string // see Metrics
	Dimensions []string // see Dimensions and TimeDimensions
	Filters    []Filter // all must hold (an implicit "and")
	OrderBy    []Order  // default: first metric descending, then dimensions ascending
	Limit      int      // 0 = no limit
	Offset     int
}

// Filter is one condition of a query. Op is a comparison ("is", "is_not",
// "contains", "contains_not") over Dimension with Values (any value matches),
// or a logical operator ("and", "or", "not") over Children.
type Filter struct {
	Op        string
	Dimension string
	Values    []string
	Children  []Filter
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

// Metrics every events backend answers.
var Metrics = []string{"visitors", "visits", "pageviews", "events"}

// Dimensions maps each public dimension name to the event column holding it.
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

// TimeDimensions are the time-bucket dimensions; "time" means "time:day".
var TimeDimensions = []string{"time", "time:hour", "time:day", "time:week", "time:month"}

var filterOps = map[string]bool{
	"is": true, "is_not": true, "contains": true, "contains_not": true,
	"and": true, "or": true, "not": true,
}

// Validate checks that q only names metrics, dimensions, filters and orders
// this package defines, so backends can trust every identifier they put in
// SQL. Its error is a sentence meant for the API client.
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
	for _, m := range q.Metrics {
		if !contains(Metrics, m) {
			return fmt.Errorf("unknown metric %q (known: %s)", m, strings.Join(Metrics, ", "))
		}
		if seen[m] {
			return fmt.Errorf("metric %q is listed twice", m)
		}
		seen[m] = true
	}
	for _, d := range q.Dimensions {
		if !IsDimension(d) {
			return fmt.Errorf("unknown dimension %q", d)
		}
		if seen[d] {
			return fmt.Errorf("dimension %q is listed twice", d)
		}
		seen[d] = true
	}
	for _, f := range q.Filters {
		if err := f.validate(0); err != nil {
			return err
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

// IsDimension reports whether d is a known dimension name.
func IsDimension(d string) bool {
	_, ok := Dimensions[d]
	return ok || contains(TimeDimensions, d)
}

const maxFilterDepth = 8

func (f Filter) validate(depth int) error {
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
			if err := c.validate(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	if _, ok := Dimensions[f.Dimension]; !ok {
		return fmt.Errorf("cannot filter by %q", f.Dimension)
	}
	if len(f.Values) == 0 {
		return fmt.Errorf("filter on %q has no values", f.Dimension)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

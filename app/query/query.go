// Package query implements the stats API: it parses a request in the shape
// of Plausible's Stats API v2, resolves it against the site (time zone,
// relative date ranges), asks the events store, and shapes the response the
// same way, so clients written for Plausible work unchanged.
package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// MaxBodyBytes bounds a query request.
const MaxBodyBytes = 64 << 10

// defaultLimit is Plausible's page size when pagination is not given.
const defaultLimit = 10000

// Request is the JSON body of POST /api/v2/query.
type Request struct {
	SiteID     string            `json:"site_id"`
	Metrics    []string          `json:"metrics"`
	DateRange  json.RawMessage   `json:"date_range"`
	Dimensions []string          `json:"dimensions"`
	Filters    []json.RawMessage `json:"filters"`
	OrderBy    [][]string        `json:"order_by"`
	Include    Include           `json:"include"`
	Pagination struct {
		Limit  *int `json:"limit"`
		Offset int  `json:"offset"`
	} `json:"pagination"`
}

// Include asks for more than the rows.
type Include struct {
	TotalRows   bool         `json:"total_rows"`
	TimeLabels  bool         `json:"time_labels"`
	Imports     bool         `json:"imports"` // accepted for Plausible clients; there is nothing imported to add
	Comparisons *Comparisons `json:"comparisons,omitempty"`
}

// Response is the JSON answer, in Plausible's v2 shape.
type Response struct {
	Results []Result       `json:"results"`
	Meta    map[string]any `json:"meta"`
	Query   map[string]any `json:"query"`
}

// Result is one row of a response.
type Result struct {
	Metrics    []float64   `json:"metrics"`
	Dimensions []string    `json:"dimensions"`
	Comparison *Comparison `json:"comparison,omitempty"`
}

// InputError is a mistake in the request: the caller answers 400.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

func bad(format string, args ...any) error {
	return &InputError{Message: fmt.Sprintf(format, args...)}
}

// ErrNoSite means the site does not exist or the caller may not read it;
// the two are deliberately indistinguishable.
var ErrNoSite = errors.New("site not found or not accessible with these credentials")

// Sites finds a site by domain.
type Sites interface {
	SiteByDomain(ctx context.Context, domain string) (store.Site, error)
}

// Events answers resolved queries.
type Events interface {
	Query(ctx context.Context, q store.Query) (store.Result, error)
}

// Service answers stats queries.
type Service struct {
	Sites  Sites
	Events Events
	// Goals returns a site's goals; nil means sites have none.
	Goals func(ctx context.Context, siteID int64) ([]store.Goal, error)
	// Funnels returns a site's funnels; nil means sites have none.
	Funnels func(ctx context.Context, siteID int64) ([]store.Funnel, error)
	// Cache, if not nil, keeps answers; the batcher invalidates them
	// through Cache.Stored.
	Cache *Cache
	Now   func() time.Time
	// Readable, if set, is how far back a site's stats may be read (a
	// hosted plan's retention). Ranges reaching further back are cut to
	// its From; a range wholly before it is answered with its Refusal.
	// Nothing is deleted: a later, longer window reads the events again.
	Readable func(ctx context.Context, site store.Site, now time.Time) (Window, error)
}

// Window is the part of a site's history a query may read.
type Window struct {
	From    time.Time // zero: no limit
	Refusal error     // returned for a range wholly before From
}

// clamp cuts [from, to) to the window: the new from, whether it moved,
// or the window's refusal when nothing of the range is left.
func (w Window) clamp(from, to time.Time) (time.Time, bool, error) {
	switch {
	case w.From.IsZero() || !from.Before(w.From):
		return from, false, nil
	case !to.After(w.From):
		return from, false, w.Refusal
	}
	return w.From, true, nil
}

// window returns the site's readable window (none without Readable).
func (s *Service) window(ctx context.Context, site store.Site, now time.Time) (Window, error) {
	if s.Readable == nil {
		return Window{}, nil
	}
	w, err := s.Readable(ctx, site, now)
	if err != nil {
		return Window{}, fmt.Errorf("query: readable window of site %d: %w", site.ID, err)
	}
	return w, nil
}

// Cache lifetimes: answers about ranges that are over rarely change (late
// events invalidate them anyway); ranges still running change by the
// second, and invalidation on every flush keeps them honest.
const (
	pastTTL    = time.Hour
	currentTTL = time.Minute
)

// Run parses body, checks with allowed that the caller may read the site,
// and answers.
func (s *Service) Run(ctx context.Context, body []byte, allowed func(store.Site) bool) (Response, error) {
	req, err := Parse(body)
	if err != nil {
		return Response{}, err
	}
	site, err := s.Sites.SiteByDomain(ctx, strings.ToLower(req.SiteID))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !allowed(site)) {
		return Response{}, ErrNoSite
	}
	if err != nil {
		return Response{}, fmt.Errorf("query: find site: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var goals []store.Goal
	if s.Goals != nil {
		if goals, err = s.Goals(ctx, site.ID); err != nil {
			return Response{}, fmt.Errorf("query: goals of site %d: %w", site.ID, err)
		}
	}
	t := now()
	q, err := Resolve(req, site, t, goals)
	if err != nil {
		return Response{}, err
	}
	win, err := s.window(ctx, site, t)
	if err != nil {
		return Response{}, err
	}
	var clamped bool
	if q.From, clamped, err = win.clamp(q.From, q.To); err != nil {
		return Response{}, err
	}
	cacheable := !isMoving(req.DateRange)
	res, err := s.query(ctx, q, t, cacheable)
	if err != nil {
		return Response{}, err
	}
	out := shape(req, q, res)
	loc, _ := time.LoadLocation(q.TimeZone)
	if clamped {
		// The answer covers less than was asked: say from when.
		out.Meta["readable_from"] = win.From.In(loc).Format(time.RFC3339)
	}
	timeDim := timeDimension(q.Dimensions)
	var labels []string
	if timeDim >= 0 && (req.Include.TimeLabels || req.Include.Comparisons != nil) {
		labels = timeLabels(q.Dimensions[timeDim], q.From, q.To, loc)
		if req.Include.TimeLabels {
			out.Meta["time_labels"] = labels
		}
	}
	if c := req.Include.Comparisons; c != nil {
		cq := q
		cq.From, cq.To, err = comparisonRange(c, q.From, q.To, loc, site)
		if err != nil {
			return Response{}, err
		}
		var cmpClamped bool
		if cq.From, cmpClamped, err = win.clamp(cq.From, cq.To); err != nil {
			return Response{}, err
		}
		if cmpClamped {
			out.Meta["readable_from"] = win.From.In(loc).Format(time.RFC3339)
		}
		cq.Limit, cq.Offset = defaultLimit, 0
		cres, err := s.query(ctx, cq, t, cacheable)
		if err != nil {
			return Response{}, err
		}
		var cmpLabels []string
		if timeDim >= 0 {
			cmpLabels = timeLabels(q.Dimensions[timeDim], cq.From, cq.To, loc)
		}
		attachComparisons(out.Results, cres, q.Metrics, timeDim, labels, cmpLabels)
		out.Query["comparison_date_range"] = []string{cq.From.In(loc).Format(time.RFC3339), cq.To.Add(-time.Second).In(loc).Format(time.RFC3339)}
	}
	nameDimensions(q.Dimensions, out.Results)
	return out, nil
}

// query asks the events store, through the cache when allowed.
func (s *Service) query(ctx context.Context, q store.Query, now time.Time, cacheable bool) (store.Result, error) {
	var key string
	if cacheable && s.Cache != nil {
		k, err := json.Marshal(q)
		if err != nil {
			return store.Result{}, fmt.Errorf("query: cache key: %w", err)
		}
		key = string(k)
		if res, ok := s.Cache.get(key); ok {
			return res, nil
		}
	}
	res, err := s.Events.Query(ctx, q)
	if errors.Is(err, store.ErrUnsupported) {
		return store.Result{}, bad("this query is not supported by the events store: %v", err)
	}
	if err != nil {
		return store.Result{}, fmt.Errorf("query: %w", err)
	}
	if key != "" {
		ttl := pastTTL
		if q.To.After(now) {
			ttl = currentTTL
		}
		s.Cache.put(key, q, res, ttl)
	}
	return res, nil
}

// isMoving reports whether a date range slides with the clock, so that
// no two requests ask the same question.
func isMoving(raw json.RawMessage) bool {
	var named string
	if json.Unmarshal(raw, &named) == nil {
		return named == "realtime" || named == "24h"
	}
	var pair []string
	if json.Unmarshal(raw, &pair) == nil {
		for _, b := range pair {
			if _, err := time.Parse(time.DateOnly, b); err != nil {
				return true // date-times: rarely repeated to the second
			}
		}
	}
	return false
}

// nameDimensions replaces country codes by names in the columns that ask
// for names. The events store groups and orders them by code.
func nameDimensions(dims []string, rows []Result) {
	for i, d := range dims {
		if d != "visit:country_name" {
			continue // region and city are stored as names already, or have none
		}
		for _, r := range rows {
			r.Dimensions[i] = countryName(r.Dimensions[i])
			if r.Comparison != nil {
				r.Comparison.Dimensions[i] = countryName(r.Comparison.Dimensions[i])
			}
		}
	}
}

func countryName(code string) string {
	if n, ok := countryNames[code]; ok {
		return n
	}
	return code
}

// Parse decodes a request body strictly: unknown fields are refused, so a
// misspelt parameter is an error instead of being silently ignored.
func Parse(body []byte) (Request, error) {
	if len(body) > MaxBodyBytes {
		return Request{}, bad("request body is larger than %d bytes", MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var r Request
	if err := dec.Decode(&r); err != nil {
		return Request{}, bad("invalid JSON body: %v", err)
	}
	if r.SiteID == "" {
		return Request{}, bad("site_id is required")
	}
	if len(r.Metrics) == 0 {
		return Request{}, bad("metrics is required, e.g. [\"visitors\"]")
	}
	if len(r.DateRange) == 0 {
		return Request{}, bad("date_range is required, e.g. \"7d\"")
	}
	return r, nil
}

// Resolve turns a request into a store query for site at time now, with
// the site's goals.
func Resolve(r Request, site store.Site, now time.Time, goals []store.Goal) (store.Query, error) {
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil || site.TimeZone == "" {
		loc = time.UTC
	}
	from, to, err := dateRange(r.DateRange, now.In(loc), site)
	if err != nil {
		return store.Query{}, err
	}
	q := store.Query{
		SiteID:     site.ID,
		From:       from.UTC(),
		To:         to.UTC(),
		TimeZone:   loc.String(),
		Metrics:    r.Metrics,
		Dimensions: slices.Clone(r.Dimensions),
		Offset:     r.Pagination.Offset,
		Limit:      defaultLimit,
		Goals:      goals,
	}
	// "time" is a bucket chosen from the range; the response keeps the name.
	bucket := autoBucket(q.From, q.To)
	for i, d := range q.Dimensions {
		if d == "time" {
			q.Dimensions[i] = bucket
		}
	}
	if r.Pagination.Limit != nil {
		q.Limit = *r.Pagination.Limit
		if q.Limit <= 0 || q.Limit > defaultLimit {
			return store.Query{}, bad("pagination.limit must be between 1 and %d", defaultLimit)
		}
	}
	for _, raw := range r.Filters {
		f, err := parseFilter(raw, 0)
		if err != nil {
			return store.Query{}, err
		}
		q.Filters = append(q.Filters, f)
	}
	for _, o := range r.OrderBy {
		if len(o) != 2 || (o[1] != "asc" && o[1] != "desc") {
			return store.Query{}, bad("order_by entries look like [\"visitors\", \"desc\"]")
		}
		key := o[0]
		if key == "time" {
			key = bucket
		}
		q.OrderBy = append(q.OrderBy, store.Order{Key: key, Desc: o[1] == "desc"})
	}
	if len(q.GoalFilters()) == 0 && !slices.Contains(q.Dimensions, store.DimGoal) && !usesGoal(q.Filters) {
		q.Goals = nil // not needed: keeps cache keys short
	}
	if err := q.Validate(); err != nil {
		return store.Query{}, bad("%v", err)
	}
	return q, nil
}

// parseFilter reads Plausible's filter syntax: ["is", "visit:country",
// ["DE"]], ["and", [f, …]], ["or", [f, …]], ["not", f].
func parseFilter(raw json.RawMessage, depth int) (store.Filter, error) {
	if depth > 8 {
		return store.Filter{}, bad("filters are nested too deeply")
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) < 2 {
		return store.Filter{}, bad("invalid filter %s: expected [operator, dimension, [values]]", truncate(raw))
	}
	var op string
	if err := json.Unmarshal(parts[0], &op); err != nil {
		return store.Filter{}, bad("invalid filter %s: the operator must be a string", truncate(raw))
	}
	switch op {
	case "and", "or":
		var children []json.RawMessage
		if err := json.Unmarshal(parts[1], &children); err != nil || len(parts) != 2 {
			return store.Filter{}, bad("invalid filter %s: %q takes a list of filters", truncate(raw), op)
		}
		f := store.Filter{Op: op}
		for _, c := range children {
			cf, err := parseFilter(c, depth+1)
			if err != nil {
				return store.Filter{}, err
			}
			f.Children = append(f.Children, cf)
		}
		return f, nil
	case "not":
		if len(parts) != 2 {
			return store.Filter{}, bad("invalid filter %s: \"not\" takes one filter", truncate(raw))
		}
		cf, err := parseFilter(parts[1], depth+1)
		if err != nil {
			return store.Filter{}, err
		}
		return store.Filter{Op: op, Children: []store.Filter{cf}}, nil
	}
	f := store.Filter{Op: op}
	if len(parts) < 3 || len(parts) > 4 || json.Unmarshal(parts[1], &f.Dimension) != nil || json.Unmarshal(parts[2], &f.Values) != nil {
		return store.Filter{}, bad("invalid filter %s: expected [operator, dimension, [values]]", truncate(raw))
	}
	if len(parts) == 4 {
		// Plausible's modifiers: only case sensitivity exists, and here
		// contains is always case-insensitive and the rest always exact.
		var mod struct {
			CaseSensitive *bool `json:"case_sensitive"`
		}
		dec := json.NewDecoder(bytes.NewReader(parts[3]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&mod); err != nil || mod.CaseSensitive == nil {
			return store.Filter{}, bad("invalid filter %s: the fourth element may only be {\"case_sensitive\": true|false}", truncate(raw))
		}
		insensitive := strings.HasPrefix(op, "contains")
		if *mod.CaseSensitive == insensitive {
			want := "exact (case-sensitive)"
			if insensitive {
				want = "case-insensitive"
			}
			return store.Filter{}, bad("invalid filter %s: %q is always %s here", truncate(raw), op, want)
		}
	}
	return f, nil
}

func usesGoal(fs []store.Filter) bool {
	for _, f := range fs {
		if f.Dimension == store.DimGoal || usesGoal(f.Children) {
			return true
		}
	}
	return false
}

func truncate(raw json.RawMessage) string {
	if len(raw) > 80 {
		return string(raw[:80]) + "…"
	}
	return string(raw)
}

func shape(r Request, q store.Query, res store.Result) Response {
	out := Response{Results: make([]Result, 0, len(res.Rows)), Meta: map[string]any{}}
	for _, row := range res.Rows {
		dims := row.Dimensions
		if dims == nil {
			dims = []string{}
		}
		out.Results = append(out.Results, Result{Metrics: row.Metrics, Dimensions: dims})
	}
	if r.Include.TotalRows {
		out.Meta["total_rows"] = res.TotalRows
	}
	loc, _ := time.LoadLocation(q.TimeZone)
	orderBy := make([][]string, 0, len(q.OrderBy))
	for _, o := range q.OrderBy {
		dir := "asc"
		if o.Desc {
			dir = "desc"
		}
		orderBy = append(orderBy, []string{o.Key, dir})
	}
	dims := r.Dimensions
	if dims == nil {
		dims = []string{}
	}
	filters := r.Filters
	if filters == nil {
		filters = []json.RawMessage{}
	}
	out.Query = map[string]any{
		"site_id":    r.SiteID,
		"metrics":    r.Metrics,
		"date_range": []string{q.From.In(loc).Format(time.RFC3339), q.To.Add(-time.Second).In(loc).Format(time.RFC3339)},
		"dimensions": dims,
		"filters":    filters,
		"order_by":   orderBy,
		"include":    r.Include,
		"pagination": map[string]int{"limit": q.Limit, "offset": q.Offset},
	}
	return out
}

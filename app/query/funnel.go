package query

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

// FunnelRequest is the JSON body of POST /api/v2/funnel: a funnel of the
// site by name, or steps given inline, over a date range, with the same
// filters as a query.
type FunnelRequest struct {
	SiteID    string            `json:"site_id"`
	DateRange json.RawMessage   `json:"date_range"`
	Funnel    string            `json:"funnel,omitempty"`
	Steps     []FunnelStepSpec  `json:"steps,omitempty"`
	Filters   []json.RawMessage `json:"filters,omitempty"`
}

// FunnelStepSpec is one inline step: a custom event or a page pattern.
type FunnelStepSpec struct {
	EventName string `json:"event_name,omitempty"`
	PagePath  string `json:"page_path,omitempty"`
}

// FunnelResponse answers a funnel request.
type FunnelResponse struct {
	Steps []FunnelStep   `json:"steps"`
	Query map[string]any `json:"query"`
}

// FunnelStep is one step's outcome. Rates are percentages with two
// decimals: of the visitors who entered the funnel (conversion_rate) and
// of those who reached the step before (conversion_rate_step).
type FunnelStep struct {
	Label              string  `json:"label"`
	Visitors           int64   `json:"visitors"`
	ConversionRate     float64 `json:"conversion_rate"`
	ConversionRateStep float64 `json:"conversion_rate_step"`
	Dropoff            int64   `json:"dropoff"`
}

// FunnelEvents answers funnel queries.
type FunnelEvents interface {
	Funnel(ctx context.Context, q store.FunnelQuery) ([]int64, error)
}

// RunFunnel parses body, checks with allowed that the caller may read the
// site, and answers.
func (s *Service) RunFunnel(ctx context.Context, body []byte, allowed func(store.Site) bool) (FunnelResponse, error) {
	if len(body) > MaxBodyBytes {
		return FunnelResponse{}, bad("request body is larger than %d bytes", MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req FunnelRequest
	if err := dec.Decode(&req); err != nil {
		return FunnelResponse{}, bad("invalid JSON body: %v", err)
	}
	switch {
	case req.SiteID == "":
		return FunnelResponse{}, bad("site_id is required")
	case len(req.DateRange) == 0:
		return FunnelResponse{}, bad("date_range is required, e.g. \"30d\"")
	case (req.Funnel == "") == (len(req.Steps) == 0):
		return FunnelResponse{}, bad("give either funnel (the name of one of the site's funnels) or steps")
	}
	fe, ok := s.Events.(FunnelEvents)
	if !ok {
		return FunnelResponse{}, bad("funnels are not supported by the events store")
	}
	site, err := s.Sites.SiteByDomain(ctx, strings.ToLower(req.SiteID))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !allowed(site)) {
		return FunnelResponse{}, ErrNoSite
	}
	if err != nil {
		return FunnelResponse{}, fmt.Errorf("funnel: find site: %w", err)
	}
	steps, err := s.funnelSteps(ctx, site, req)
	if err != nil {
		return FunnelResponse{}, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil || site.TimeZone == "" {
		loc = time.UTC
	}
	from, to, err := dateRange(req.DateRange, now().In(loc), site)
	if err != nil {
		return FunnelResponse{}, err
	}
	win, err := s.window(ctx, site, now())
	if err != nil {
		return FunnelResponse{}, err
	}
	if from, _, err = win.clamp(from, to); err != nil {
		return FunnelResponse{}, err
	}
	q := store.FunnelQuery{SiteID: site.ID, From: from.UTC(), To: to.UTC(), Steps: steps}
	for _, raw := range req.Filters {
		f, err := parseFilter(raw, 0)
		if err != nil {
			return FunnelResponse{}, err
		}
		q.Filters = append(q.Filters, f)
	}
	if usesGoal(q.Filters) && s.Goals != nil {
		if q.Goals, err = s.Goals(ctx, site.ID); err != nil {
			return FunnelResponse{}, fmt.Errorf("funnel: goals of site %d: %w", site.ID, err)
		}
	}
	if err := q.Validate(); err != nil {
		return FunnelResponse{}, bad("%v", err)
	}
	counts, err := fe.Funnel(ctx, q)
	if err != nil {
		return FunnelResponse{}, fmt.Errorf("funnel: %w", err)
	}
	out := FunnelResponse{Steps: make([]FunnelStep, len(steps)), Query: map[string]any{
		"site_id":    req.SiteID,
		"date_range": []string{q.From.In(loc).Format(time.RFC3339), q.To.Add(-time.Second).In(loc).Format(time.RFC3339)},
		"funnel":     req.Funnel,
	}}
	for i, n := range counts {
		st := FunnelStep{Label: stepLabel(steps[i]), Visitors: n, ConversionRate: percent(n, counts[0]), ConversionRateStep: 100}
		if i > 0 {
			st.ConversionRateStep = percent(n, counts[i-1])
			st.Dropoff = counts[i-1] - n
		} else if n == 0 {
			st.ConversionRateStep = 0
		}
		out.Steps[i] = st
	}
	return out, nil
}

// funnelSteps returns the named funnel's steps or the inline ones.
func (s *Service) funnelSteps(ctx context.Context, site store.Site, req FunnelRequest) ([]store.Goal, error) {
	if req.Funnel != "" {
		if s.Funnels == nil {
			return nil, bad("no funnel named %q on this site", req.Funnel)
		}
		fs, err := s.Funnels(ctx, site.ID)
		if err != nil {
			return nil, fmt.Errorf("funnel: funnels of site %d: %w", site.ID, err)
		}
		for _, f := range fs {
			if f.Name == req.Funnel {
				return f.Steps, nil
			}
		}
		return nil, bad("no funnel named %q on this site", req.Funnel)
	}
	steps := make([]store.Goal, len(req.Steps))
	for i, st := range req.Steps {
		if (st.EventName == "") == (st.PagePath == "") {
			return nil, bad("funnel step %d needs exactly one of event_name and page_path", i+1)
		}
		if st.PagePath != "" && !strings.HasPrefix(st.PagePath, "/") {
			return nil, bad("funnel step %d: page_path must start with /", i+1)
		}
		steps[i] = store.Goal{EventName: st.EventName, Page: st.PagePath}
	}
	return steps, nil
}

func stepLabel(g store.Goal) string {
	if g.Name != "" {
		return g.Name
	}
	if g.EventName != "" {
		return g.EventName
	}
	return "Visit " + g.Page
}

func percent(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(of)*10000) / 100
}

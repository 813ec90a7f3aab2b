// Package billing runs the hosted service's business side: plans and the
// limits they give, Stripe Checkout, the customer portal and webhooks,
// usage metering and the capacity policy (over the limit → an email and a
// grace period → ingestion paused → restored at once when back under the
// limit or upgraded). It is active only in FOOTFALL_MODE=saas; a
// self-hosted instance has no limits. Nothing here ever deletes events.
package billing

import (
	"fmt"
	"slices"
	"strings"
)

// Plan is what a customer buys. Limits of 0 mean "no limit".
type Plan struct {
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	MonthlyEvents int64    `json:"monthly_events"`
	Sites         int      `json:"sites"`
	Members       int      `json:"members"`
	RetentionDays int      `json:"retention_days"`
	Alerts        int      `json:"alerts"`
	Features      []string `json:"features"`
	// MonthlyCents and YearlyCents are list prices in US cents, for the
	// pricing table and MRR; Stripe's prices are the ones charged.
	MonthlyCents int64 `json:"monthly_cents"`
	YearlyCents  int64 `json:"yearly_cents"`
	// Offered plans can be bought; grandfathered ones stay with the
	// customers who have them (their Stripe prices keep mapping here)
	// but are not sold any more.
	Offered bool `json:"offered"`
}

// Features a plan may include.
const (
	FeatureFunnels     = "funnels"
	FeatureRevenue     = "revenue"
	FeaturePerformance = "performance" // Core Web Vitals and timings
	FeatureStatsAPI    = "stats_api"
	FeatureSharedLinks = "shared_links"
	FeatureReports     = "email_reports"
)

// Free is the plan of every account that bought nothing, and the one an
// account falls back to when its subscription ends.
const Free = "free"

// plans is the price list. Changing a plan's limits changes them for
// everyone on it: to change terms for new customers only, add a new code
// and set the old one's Offered to false (grandfathering).
var plans = []Plan{
	{Code: Free, Name: "Free", MonthlyEvents: 5_000, Sites: 1, Members: 1, RetentionDays: 365, Alerts: 1,
		Features: []string{FeatureSharedLinks}, Offered: true},
	{Code: "basic", Name: "Basic", MonthlyEvents: 50_000, Sites: 5, Members: 3, RetentionDays: 3 * 365, Alerts: 10,
		Features:     []string{FeatureSharedLinks, FeatureReports, FeatureStatsAPI, FeaturePerformance},
		MonthlyCents: 900, YearlyCents: 9000, Offered: true},
	{Code: "premium", Name: "Premium", MonthlyEvents: 250_000, Sites: 50, Members: 10, RetentionDays: 5 * 365, Alerts: 50,
		Features:     []string{FeatureSharedLinks, FeatureReports, FeatureStatsAPI, FeaturePerformance, FeatureFunnels, FeatureRevenue},
		MonthlyCents: 2900, YearlyCents: 29000, Offered: true},
	// The launch plan, kept for its early customers.
	{Code: "starter_2025", Name: "Starter (2025)", MonthlyEvents: 100_000, Sites: 10, Members: 3, RetentionDays: 3 * 365, Alerts: 10,
		Features:     []string{FeatureSharedLinks, FeatureReports, FeatureStatsAPI, FeaturePerformance, FeatureFunnels},
		MonthlyCents: 900, YearlyCents: 9000, Offered: false},
}

// Plans returns every plan, offered and grandfathered, cheapest first.
func Plans() []Plan {
	out := make([]Plan, len(plans))
	copy(out, plans)
	return out
}

// PlanByCode returns the plan with that code.
func PlanByCode(code string) (Plan, bool) {
	i := slices.IndexFunc(plans, func(p Plan) bool { return p.Code == code })
	if i < 0 {
		return Plan{}, false
	}
	return plans[i], true
}

// Has reports whether the plan includes a feature.
func (p Plan) Has(feature string) bool { return slices.Contains(p.Features, feature) }

// Intervals a paid plan is billed at.
const (
	Monthly = "month"
	Yearly  = "year"
)

// Prices maps plan and interval to Stripe price ids, from
// FOOTFALL_STRIPE_PRICES ("basic:month=price_…,basic:year=price_…,…").
type Prices map[priceKey]string

type priceKey struct{ plan, interval string }

// ParsePrices reads FOOTFALL_STRIPE_PRICES. Every entry must name a known
// paid plan and an interval; an empty string is no prices (Checkout is
// then unavailable).
func ParsePrices(s string) (Prices, error) {
	out := Prices{}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		key, id, ok := strings.Cut(entry, "=")
		plan, interval, ok2 := strings.Cut(key, ":")
		if !ok || !ok2 || strings.TrimSpace(id) == "" {
			return nil, fmt.Errorf("price %q: want plan:interval=price_id", entry)
		}
		plan, interval, id = strings.TrimSpace(plan), strings.TrimSpace(interval), strings.TrimSpace(id)
		if p, known := PlanByCode(plan); !known || p.Code == Free {
			return nil, fmt.Errorf("price %q: %q is not a paid plan", entry, plan)
		}
		if interval != Monthly && interval != Yearly {
			return nil, fmt.Errorf("price %q: interval must be month or year", entry)
		}
		out[priceKey{plan, interval}] = id
	}
	return out, nil
}

// Price returns the Stripe price id of a plan at an interval.
func (p Prices) Price(plan, interval string) (string, bool) {
	id, ok := p[priceKey{plan, interval}]
	return id, ok
}

// Plan returns the plan and interval a Stripe price id stands for.
func (p Prices) Plan(priceID string) (plan, interval string, ok bool) {
	for k, id := range p {
		if id == priceID {
			return k.plan, k.interval, true
		}
	}
	return "", "", false
}

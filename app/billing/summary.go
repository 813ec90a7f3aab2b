package billing

import (
	"context"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Summary is what an account's billing page shows.
type Summary struct {
	AccountID    int64       `json:"account_id"`
	Limits       Limits      `json:"limits"`
	Usage        UsageReport `json:"usage"`
	Interval     string      `json:"interval,omitempty"`
	Status       string      `json:"status,omitempty"` // Stripe's subscription status
	PeriodEnd    time.Time   `json:"period_end,omitzero"`
	HasCustomer  bool        `json:"has_customer"` // the billing portal can open
	Subscribed   bool        `json:"subscribed"`
	Coupon       string      `json:"coupon,omitempty"`
	Override     int64       `json:"override_events,omitempty"`
	PaymentIssue *Banner     `json:"payment_issue"` // nil when payments are fine
	Plans        []PlanOffer `json:"plans"`         // what can be bought
}

// Banner is the payment problem the dashboard shows on every page until
// it is solved.
type Banner struct {
	FailedAt time.Time `json:"failed_at"`
	Attempts int       `json:"attempts"`
	Message  string    `json:"message"`
}

// PlanOffer is an offered plan with the intervals Checkout can sell.
type PlanOffer struct {
	Plan
	Intervals []string `json:"intervals"`
}

// Offers returns the plans on sale and, for paid ones, the intervals with
// a Stripe price.
func (s *Service) Offers() []PlanOffer {
	var out []PlanOffer
	for _, p := range plans {
		if !p.Offered {
			continue
		}
		o := PlanOffer{Plan: p, Intervals: []string{}}
		for _, iv := range []string{Monthly, Yearly} {
			if _, ok := s.cfg.Prices.Price(p.Code, iv); ok {
				o.Intervals = append(o.Intervals, iv)
			}
		}
		out = append(out, o)
	}
	return out
}

// Summary returns the account's plan, limits, usage bar and payment state.
func (s *Service) Summary(ctx context.Context, accountID int64) (Summary, error) {
	p, err := s.profile(ctx, accountID)
	if err != nil {
		return Summary{}, err
	}
	u, err := s.Usage(ctx, accountID)
	if err != nil {
		return Summary{}, err
	}
	l := limitsOf(p)
	if !s.cfg.Enabled {
		l = Limits{Unlimited: true, Capacity: store.CapacityOK}
	}
	sum := Summary{
		AccountID: accountID, Limits: l, Usage: u, Interval: p.Interval, Status: p.Status,
		PeriodEnd: p.PeriodEnd, HasCustomer: p.StripeCustomerID != "", Subscribed: subscribed(p),
		Coupon: p.Coupon, Override: p.OverrideEvents, Plans: s.Offers(),
	}
	if !p.PaymentFailedAt.IsZero() && subscribed(p) {
		sum.PaymentIssue = &Banner{FailedAt: p.PaymentFailedAt, Attempts: p.PaymentAttempts,
			Message: "Your last payment failed. Update your card in the billing portal to keep your plan."}
	}
	return sum, nil
}

// AccountReport is one row of the staff view.
type AccountReport struct {
	AccountID  int64     `json:"account_id"`
	Plan       string    `json:"plan"`
	Interval   string    `json:"interval,omitempty"`
	Status     string    `json:"status,omitempty"`
	Capacity   string    `json:"capacity"`
	GraceUntil time.Time `json:"grace_until,omitzero"`
	Used       int64     `json:"used"`
	Limit      int64     `json:"limit"`
	MRRCents   int64     `json:"mrr_cents"`
	Override   int64     `json:"override_events,omitempty"`
	Coupon     string    `json:"coupon,omitempty"`
	PaymentDue bool      `json:"payment_failed"`
}

// StaffReport lists the accounts with a stored profile, and the monthly
// recurring revenue at list prices (yearly plans count a twelfth; coupons
// are not deducted).
func (s *Service) StaffReport(ctx context.Context) (rows []AccountReport, mrrCents int64, err error) {
	profiles, err := s.cfg.Store.ListBillingProfiles(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows = []AccountReport{}
	for _, p := range profiles {
		u, err := s.currentUsage(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		l := limitsOf(p)
		r := AccountReport{AccountID: p.AccountID, Plan: l.Plan.Code, Interval: p.Interval, Status: p.Status,
			Capacity: l.Capacity, GraceUntil: p.GraceUntil, Used: u.Events, Limit: l.MonthlyEvents,
			Override: p.OverrideEvents, Coupon: p.Coupon, PaymentDue: !p.PaymentFailedAt.IsZero() && subscribed(p)}
		if subscribed(p) {
			switch p.Interval {
			case Yearly:
				r.MRRCents = l.Plan.YearlyCents / 12
			default:
				r.MRRCents = l.Plan.MonthlyCents
			}
		}
		mrrCents += r.MRRCents
		rows = append(rows, r)
	}
	return rows, mrrCents, nil
}

package store

import (
	"context"
	"time"
)

// BillingProfile is an account's standing with the hosted service: its
// plan, its Stripe customer and subscription, and where it is in the
// capacity policy. An account without a stored profile is on the free plan
// (the zero profile with PlanCode "free" and Capacity CapacityOK).
type BillingProfile struct {
	AccountID int64
	PlanCode  string // a plan of app/billing; "free" when none was bought
	Interval  string // "month" or "year" for a paid plan, "" otherwise
	// Status is the subscription's Stripe status (active, trialing,
	// past_due, unpaid, canceled, incomplete…), "" without one.
	Status               string
	StripeCustomerID     string
	StripeSubscriptionID string
	PeriodStart          time.Time // the subscription's current period; zero without one
	PeriodEnd            time.Time
	// StripeEventAt is the creation time of the newest Stripe event
	// applied to the subscription fields: an older event delivered late
	// is not applied over a newer one.
	StripeEventAt time.Time
	// InvoiceEventAt is the same for invoice events (paid, payment
	// failed), which Stripe sends beside the subscription's.
	InvoiceEventAt time.Time
	// PaymentFailedAt is when the latest invoice payment failed (zero once
	// paid); PaymentAttempts counts Stripe's attempts for that invoice.
	PaymentFailedAt time.Time
	PaymentAttempts int
	// Capacity is CapacityOK, CapacityGrace or CapacityLimited; GraceUntil
	// is when a grace period ends (zero outside one).
	Capacity   string
	GraceUntil time.Time
	// OverrideEvents replaces the plan's monthly event limit when above 0
	// (a staff decision); Coupon is the Stripe coupon staff applied.
	OverrideEvents int64
	Coupon         string
	UpdatedAt      time.Time
}

// Capacity states of the capacity policy.
const (
	CapacityOK      = "ok"      // within the limit, or no limit
	CapacityGrace   = "grace"   // over the limit; events still accepted until GraceUntil
	CapacityLimited = "limited" // over the limit after the grace period; ingestion refused
)

// Usage is the number of events an account's sites received in one usage
// period, as last measured.
type Usage struct {
	AccountID   int64
	PeriodStart time.Time
	PeriodEnd   time.Time
	Events      int64
	MeasuredAt  time.Time
}

// Billing stores billing profiles, measured usage and the Stripe events
// already processed. Profiles and usage belong to an account: rows of an
// account that does not exist are refused with ErrNotFound (wrapped), and
// deleting an account deletes them.
type Billing interface {
	// BillingProfile returns the account's stored profile, or ErrNotFound
	// when none was stored (the account is on the free plan).
	BillingProfile(ctx context.Context, accountID int64) (BillingProfile, error)
	// BillingProfileByCustomer returns the profile holding a Stripe
	// customer id; ErrNotFound when none does.
	BillingProfileByCustomer(ctx context.Context, customerID string) (BillingProfile, error)
	// ListBillingProfiles returns every stored profile by account id
	// ascending.
	ListBillingProfiles(ctx context.Context) ([]BillingProfile, error)
	// UpdateBillingProfile reads the account's profile (a new free one,
	// Capacity CapacityOK, when none is stored), lets update change it and
	// stores the result, all in one transaction: concurrent updates of the
	// same account apply one after the other, none lost. AccountID cannot
	// be changed; UpdatedAt is set to now; times are stored at millisecond
	// precision. An error from update is returned and nothing is stored.
	UpdateBillingProfile(ctx context.Context, accountID int64, update func(*BillingProfile) error) (BillingProfile, error)

	// ClaimStripeEvent records a Stripe event id as being processed. It
	// returns ErrConflict if the id was claimed before (a duplicate
	// delivery), so each event is applied once.
	ClaimStripeEvent(ctx context.Context, id, eventType string, at time.Time) error
	// ReleaseStripeEvent forgets a claim whose processing failed, so
	// Stripe's retry is processed; a missing id is not an error.
	ReleaseStripeEvent(ctx context.Context, id string) error

	// PutUsage stores the usage of an account's period (keyed by account
	// and PeriodStart), replacing an earlier measurement.
	PutUsage(ctx context.Context, u Usage) error
	// LatestUsage returns the account's usage of the latest period
	// measured (greatest PeriodStart); ErrNotFound when none was.
	LatestUsage(ctx context.Context, accountID int64) (Usage, error)
}

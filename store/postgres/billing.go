package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

const billingColumns = "account_id, plan_code, billing_interval, status, stripe_customer_id, stripe_subscription_id, " +
	"period_start, period_end, stripe_event_at, invoice_event_at, payment_failed_at, payment_attempts, capacity, grace_until, " +
	"override_events, coupon, updated_at"

func scanBillingProfile(r pgx.Row) (store.BillingProfile, error) {
	var (
		p                                                             store.BillingProfile
		start, end, eventAt, invoiceAt, failedAt, graceUntil, updated int64
	)
	err := r.Scan(&p.AccountID, &p.PlanCode, &p.Interval, &p.Status, &p.StripeCustomerID, &p.StripeSubscriptionID,
		&start, &end, &eventAt, &invoiceAt, &failedAt, &p.PaymentAttempts, &p.Capacity, &graceUntil,
		&p.OverrideEvents, &p.Coupon, &updated)
	if err != nil {
		return store.BillingProfile{}, err
	}
	p.PeriodStart, p.PeriodEnd = zeroMillis(start), zeroMillis(end)
	p.StripeEventAt, p.InvoiceEventAt, p.PaymentFailedAt = zeroMillis(eventAt), zeroMillis(invoiceAt), zeroMillis(failedAt)
	p.GraceUntil, p.UpdatedAt = zeroMillis(graceUntil), zeroMillis(updated)
	return p, nil
}

// zeroMillis maps the stored 0 ("none") back to the zero time.
func zeroMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}

// millisOrZero stores the zero time as 0.
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// BillingProfile returns the account's stored profile.
func (s *Store) BillingProfile(ctx context.Context, accountID int64) (store.BillingProfile, error) {
	p, err := scanBillingProfile(s.pool.QueryRow(ctx,
		"SELECT "+billingColumns+" FROM billing_profiles WHERE account_id = $1", accountID))
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("postgres: billing profile of account %d: %w", accountID, translate(err))
	}
	return p, nil
}

// BillingProfileByCustomer returns the profile holding a Stripe customer.
func (s *Store) BillingProfileByCustomer(ctx context.Context, customerID string) (store.BillingProfile, error) {
	if customerID == "" {
		return store.BillingProfile{}, fmt.Errorf("postgres: billing profile of customer %q: %w", customerID, store.ErrNotFound)
	}
	p, err := scanBillingProfile(s.pool.QueryRow(ctx,
		"SELECT "+billingColumns+" FROM billing_profiles WHERE stripe_customer_id = $1", customerID))
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("postgres: billing profile of customer %q: %w", customerID, translate(err))
	}
	return p, nil
}

// ListBillingProfiles returns every profile by account id.
func (s *Store) ListBillingProfiles(ctx context.Context) ([]store.BillingProfile, error) {
	ps, err := queryAll(ctx, s, scanBillingProfile, "SELECT "+billingColumns+" FROM billing_profiles ORDER BY account_id")
	if err != nil {
		return nil, fmt.Errorf("postgres: list billing profiles: %w", translate(err))
	}
	return ps, nil
}

// UpdateBillingProfile changes a profile in one transaction. The row is
// created first if missing (doing nothing if it exists), then locked with
// FOR UPDATE, so concurrent updaters of one account take turns.
func (s *Store) UpdateBillingProfile(ctx context.Context, accountID int64, update func(*store.BillingProfile) error) (store.BillingProfile, error) {
	var p store.BillingProfile
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO billing_profiles (account_id, updated_at) VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING",
			accountID, time.Now().UnixMilli()); err != nil {
			return translate(err)
		}
		var err error
		p, err = scanBillingProfile(tx.QueryRow(ctx,
			"SELECT "+billingColumns+" FROM billing_profiles WHERE account_id = $1 FOR UPDATE", accountID))
		if err != nil {
			return translate(err)
		}
		if err := update(&p); err != nil {
			return err
		}
		p.AccountID = accountID
		p.UpdatedAt = stamp(time.Time{})
		p.PeriodStart, p.PeriodEnd = zeroMillis(millisOrZero(p.PeriodStart)), zeroMillis(millisOrZero(p.PeriodEnd))
		p.StripeEventAt, p.PaymentFailedAt = zeroMillis(millisOrZero(p.StripeEventAt)), zeroMillis(millisOrZero(p.PaymentFailedAt))
		p.InvoiceEventAt = zeroMillis(millisOrZero(p.InvoiceEventAt))
		p.GraceUntil = zeroMillis(millisOrZero(p.GraceUntil))
		_, err = tx.Exec(ctx, "UPDATE billing_profiles SET plan_code = $2, billing_interval = $3, status = $4, "+
			"stripe_customer_id = $5, stripe_subscription_id = $6, period_start = $7, period_end = $8, stripe_event_at = $9, "+
			"invoice_event_at = $10, payment_failed_at = $11, payment_attempts = $12, capacity = $13, grace_until = $14, "+
			"override_events = $15, coupon = $16, updated_at = $17 WHERE account_id = $1",
			p.AccountID, p.PlanCode, p.Interval, p.Status, p.StripeCustomerID, p.StripeSubscriptionID,
			millisOrZero(p.PeriodStart), millisOrZero(p.PeriodEnd), millisOrZero(p.StripeEventAt), millisOrZero(p.InvoiceEventAt), millisOrZero(p.PaymentFailedAt),
			p.PaymentAttempts, p.Capacity, millisOrZero(p.GraceUntil), p.OverrideEvents, p.Coupon, p.UpdatedAt.UnixMilli())
		return translate(err)
	})
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("postgres: update billing profile of account %d: %w", accountID, err)
	}
	return p, nil
}

// ClaimStripeEvent records an event id once.
func (s *Store) ClaimStripeEvent(ctx context.Context, id, eventType string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, "INSERT INTO stripe_events (id, type, received_at) VALUES ($1, $2, $3)",
		id, eventType, stamp(at).UnixMilli()); err != nil {
		return fmt.Errorf("postgres: claim stripe event %s: %w", id, translate(err))
	}
	return nil
}

// ReleaseStripeEvent forgets a claim.
func (s *Store) ReleaseStripeEvent(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM stripe_events WHERE id = $1", id); err != nil {
		return fmt.Errorf("postgres: release stripe event %s: %w", id, translate(err))
	}
	return nil
}

// PutUsage stores a period's usage.
func (s *Store) PutUsage(ctx context.Context, u store.Usage) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO billing_usage (account_id, period_start, period_end, events, measured_at) "+
		"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, period_start) DO UPDATE SET "+
		"period_end = excluded.period_end, events = excluded.events, measured_at = excluded.measured_at",
		u.AccountID, stamp(u.PeriodStart).UnixMilli(), stamp(u.PeriodEnd).UnixMilli(), u.Events, stamp(u.MeasuredAt).UnixMilli())
	if err != nil {
		return fmt.Errorf("postgres: put usage of account %d: %w", u.AccountID, translate(err))
	}
	return nil
}

// LatestUsage returns the newest period's usage.
func (s *Store) LatestUsage(ctx context.Context, accountID int64) (store.Usage, error) {
	var (
		u                 store.Usage
		start, end, taken int64
	)
	err := s.pool.QueryRow(ctx, "SELECT account_id, period_start, period_end, events, measured_at FROM billing_usage "+
		"WHERE account_id = $1 ORDER BY period_start DESC LIMIT 1", accountID).Scan(&u.AccountID, &start, &end, &u.Events, &taken)
	if err != nil {
		return store.Usage{}, fmt.Errorf("postgres: usage of account %d: %w", accountID, translate(err))
	}
	u.PeriodStart, u.PeriodEnd, u.MeasuredAt = fromMillis(start), fromMillis(end), fromMillis(taken)
	return u, nil
}

var _ store.Billing = (*Store)(nil)

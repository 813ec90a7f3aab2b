package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/footfallhq/footfall/store"
)

const billingColumns = "account_id, plan_code, billing_interval, status, stripe_customer_id, stripe_subscription_id, " +
	"period_start, period_end, stripe_event_at, invoice_event_at, payment_failed_at, payment_attempts, capacity, grace_until, " +
	"override_events, coupon, updated_at"

func scanBillingProfile(r scanner) (store.BillingProfile, error) {
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
	p, err := scanBillingProfile(s.read.QueryRowContext(ctx,
		"SELECT "+billingColumns+" FROM billing_profiles WHERE account_id = ?", accountID))
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("sqlite: billing profile of account %d: %w", accountID, translate(err))
	}
	return p, nil
}

// BillingProfileByCustomer returns the profile holding a Stripe customer.
func (s *Store) BillingProfileByCustomer(ctx context.Context, customerID string) (store.BillingProfile, error) {
	if customerID == "" {
		return store.BillingProfile{}, fmt.Errorf("sqlite: billing profile of customer %q: %w", customerID, store.ErrNotFound)
	}
	p, err := scanBillingProfile(s.read.QueryRowContext(ctx,
		"SELECT "+billingColumns+" FROM billing_profiles WHERE stripe_customer_id = ?", customerID))
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("sqlite: billing profile of customer %q: %w", customerID, translate(err))
	}
	return p, nil
}

// ListBillingProfiles returns every profile by account id.
func (s *Store) ListBillingProfiles(ctx context.Context) ([]store.BillingProfile, error) {
	ps, err := queryAll(ctx, s.read, scanBillingProfile, "SELECT "+billingColumns+" FROM billing_profiles ORDER BY account_id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: list billing profiles: %w", translate(err))
	}
	return ps, nil
}

// UpdateBillingProfile changes a profile in one transaction; the writer
// connection (and BEGIN IMMEDIATE) serialises concurrent updates.
func (s *Store) UpdateBillingProfile(ctx context.Context, accountID int64, update func(*store.BillingProfile) error) (store.BillingProfile, error) {
	p, err := s.updateBillingProfile(ctx, accountID, update)
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("sqlite: update billing profile of account %d: %w", accountID, err)
	}
	return p, nil
}

func (s *Store) updateBillingProfile(ctx context.Context, accountID int64, update func(*store.BillingProfile) error) (store.BillingProfile, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.BillingProfile{}, err
	}
	defer tx.Rollback()
	p, err := scanBillingProfile(tx.QueryRowContext(ctx,
		"SELECT "+billingColumns+" FROM billing_profiles WHERE account_id = ?", accountID))
	if errors.Is(translate(err), store.ErrNotFound) {
		p, err = store.BillingProfile{AccountID: accountID, PlanCode: "free", Capacity: store.CapacityOK}, nil
	}
	if err != nil {
		return store.BillingProfile{}, translate(err)
	}
	if err := update(&p); err != nil {
		return store.BillingProfile{}, err
	}
	p.AccountID = accountID
	p.UpdatedAt = stamp(time.Time{})
	p.PeriodStart, p.PeriodEnd = zeroMillis(millisOrZero(p.PeriodStart)), zeroMillis(millisOrZero(p.PeriodEnd))
	p.StripeEventAt, p.PaymentFailedAt = zeroMillis(millisOrZero(p.StripeEventAt)), zeroMillis(millisOrZero(p.PaymentFailedAt))
	p.InvoiceEventAt = zeroMillis(millisOrZero(p.InvoiceEventAt))
	p.GraceUntil = zeroMillis(millisOrZero(p.GraceUntil))
	_, err = tx.ExecContext(ctx, "INSERT INTO billing_profiles ("+billingColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (account_id) DO UPDATE SET plan_code = excluded.plan_code, billing_interval = excluded.billing_interval, "+
		"status = excluded.status, stripe_customer_id = excluded.stripe_customer_id, stripe_subscription_id = excluded.stripe_subscription_id, "+
		"period_start = excluded.period_start, period_end = excluded.period_end, stripe_event_at = excluded.stripe_event_at, invoice_event_at = excluded.invoice_event_at, "+
		"payment_failed_at = excluded.payment_failed_at, payment_attempts = excluded.payment_attempts, capacity = excluded.capacity, "+
		"grace_until = excluded.grace_until, override_events = excluded.override_events, coupon = excluded.coupon, updated_at = excluded.updated_at",
		p.AccountID, p.PlanCode, p.Interval, p.Status, p.StripeCustomerID, p.StripeSubscriptionID,
		millisOrZero(p.PeriodStart), millisOrZero(p.PeriodEnd), millisOrZero(p.StripeEventAt), millisOrZero(p.InvoiceEventAt), millisOrZero(p.PaymentFailedAt),
		p.PaymentAttempts, p.Capacity, millisOrZero(p.GraceUntil), p.OverrideEvents, p.Coupon, p.UpdatedAt.UnixMilli())
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return store.BillingProfile{}, translate(err)
	}
	return p, nil
}

// ClaimStripeEvent records an event id once.
func (s *Store) ClaimStripeEvent(ctx context.Context, id, eventType string, at time.Time) error {
	if _, err := s.write.ExecContext(ctx, "INSERT INTO stripe_events (id, type, received_at) VALUES (?, ?, ?)",
		id, eventType, stamp(at).UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: claim stripe event %s: %w", id, translate(err))
	}
	return nil
}

// ReleaseStripeEvent forgets a claim.
func (s *Store) ReleaseStripeEvent(ctx context.Context, id string) error {
	if _, err := s.write.ExecContext(ctx, "DELETE FROM stripe_events WHERE id = ?", id); err != nil {
		return fmt.Errorf("sqlite: release stripe event %s: %w", id, translate(err))
	}
	return nil
}

// PutUsage stores a period's usage.
func (s *Store) PutUsage(ctx context.Context, u store.Usage) error {
	_, err := s.write.ExecContext(ctx, "INSERT INTO billing_usage (account_id, period_start, period_end, events, measured_at) "+
		"VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, period_start) DO UPDATE SET "+
		"period_end = excluded.period_end, events = excluded.events, measured_at = excluded.measured_at",
		u.AccountID, stamp(u.PeriodStart).UnixMilli(), stamp(u.PeriodEnd).UnixMilli(), u.Events, stamp(u.MeasuredAt).UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: put usage of account %d: %w", u.AccountID, translate(err))
	}
	return nil
}

// LatestUsage returns the newest period's usage.
func (s *Store) LatestUsage(ctx context.Context, accountID int64) (store.Usage, error) {
	var (
		u                 store.Usage
		start, end, taken int64
	)
	err := s.read.QueryRowContext(ctx, "SELECT account_id, period_start, period_end, events, measured_at FROM billing_usage "+
		"WHERE account_id = ? ORDER BY period_start DESC LIMIT 1", accountID).Scan(&u.AccountID, &start, &end, &u.Events, &taken)
	if err != nil {
		return store.Usage{}, fmt.Errorf("sqlite: usage of account %d: %w", accountID, translate(err))
	}
	u.PeriodStart, u.PeriodEnd, u.MeasuredAt = fromMillis(start), fromMillis(end), fromMillis(taken)
	return u, nil
}

var _ store.Billing = (*Store)(nil)

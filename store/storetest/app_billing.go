package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// billingAccount returns the id of a new account for the billing cases.
func billingAccount(t *testing.T, a store.App) int64 {
	t.Helper()
	n, err := a.ReserveIDs(t.Context(), "billing_test_users", 1)
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.CreateUser(t.Context(), store.User{Email: fmt.Sprintf("billing%d@example.com", n)})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := a.CreateAccount(t.Context(), store.Account{Name: "Billing"}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return acct.ID
}

// appTestBilling: profiles default to free, update atomically (no lost
// update under concurrency), are found by Stripe customer, listed; Stripe
// event ids are claimed once; usage is stored per period and the latest
// returned; rows of a missing account are refused.
func appTestBilling(t *testing.T, a store.App) {
	ctx := t.Context()
	acct := billingAccount(t, a)
	if _, err := a.BillingProfile(ctx, acct); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("BillingProfile(new account) error = %v, want ErrNotFound", err)
	}
	start := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	p, err := a.UpdateBillingProfile(ctx, acct, func(p *store.BillingProfile) error {
		if p.PlanCode != "free" || p.Capacity != store.CapacityOK || p.AccountID != acct {
			t.Errorf("UpdateBillingProfile: new profile = %+v, want free, ok", *p)
		}
		p.AccountID = 999999 // ignored
		p.PlanCode, p.Interval, p.Status = "basic", "month", "active"
		p.StripeCustomerID, p.StripeSubscriptionID = "cus_1", "sub_1"
		p.PeriodStart, p.PeriodEnd = start.Add(123456*time.Nanosecond), start.AddDate(0, 1, 0)
		p.StripeEventAt = start
		p.Capacity, p.GraceUntil = store.CapacityGrace, start.Add(7*24*time.Hour)
		p.OverrideEvents, p.Coupon, p.PaymentAttempts = 77, "SPRING", 2
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateBillingProfile: %v", err)
	}
	if p.AccountID != acct || !p.PeriodStart.Equal(start) || p.UpdatedAt.IsZero() {
		t.Errorf("UpdateBillingProfile returned %+v", p)
	}
	got, err := a.BillingProfile(ctx, acct)
	if err != nil || got != p {
		t.Errorf("BillingProfile = %+v, %v; want %+v", got, err, p)
	}
	if got, err := a.BillingProfileByCustomer(ctx, "cus_1"); err != nil || got.AccountID != acct {
		t.Errorf("BillingProfileByCustomer(cus_1) = %+v, %v", got, err)
	}
	for _, c := range []string{"cus_none", ""} {
		if _, err := a.BillingProfileByCustomer(ctx, c); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("BillingProfileByCustomer(%q) error = %v, want ErrNotFound", c, err)
		}
	}

	// An error from update stores nothing.
	boom := errors.New("boom")
	if _, err := a.UpdateBillingProfile(ctx, acct, func(p *store.BillingProfile) error {
		p.PlanCode = "premium"
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("UpdateBillingProfile(failing) error = %v, want boom", err)
	}
	if got, _ := a.BillingProfile(ctx, acct); got.PlanCode != "basic" {
		t.Errorf("failed update stored plan %q", got.PlanCode)
	}

	// Concurrent read-modify-writes are serialised.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := a.UpdateBillingProfile(ctx, acct, func(p *store.BillingProfile) error {
				p.PaymentAttempts++
				return nil
			}); err != nil {
				t.Errorf("concurrent UpdateBillingProfile: %v", err)
			}
		})
	}
	wg.Wait()
	if got, _ := a.BillingProfile(ctx, acct); got.PaymentAttempts != 10 {
		t.Errorf("after 8 concurrent increments PaymentAttempts = %d, want 10", got.PaymentAttempts)
	}

	// A customer id belongs to one account.
	other := billingAccount(t, a)
	if _, err := a.UpdateBillingProfile(ctx, other, func(p *store.BillingProfile) error {
		p.StripeCustomerID = "cus_1"
		return nil
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second profile with customer cus_1: error = %v, want ErrConflict", err)
	}
	if _, err := a.UpdateBillingProfile(ctx, other, func(*store.BillingProfile) error { return nil }); err != nil {
		t.Fatal(err)
	}
	list, err := a.ListBillingProfiles(ctx)
	if err != nil || len(list) != 2 || list[0].AccountID != acct || list[1].AccountID != other || list[1].StripeCustomerID != "" {
		t.Errorf("ListBillingProfiles = %+v, %v", list, err)
	}
	if _, err := a.UpdateBillingProfile(ctx, 1<<40, func(*store.BillingProfile) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateBillingProfile(missing account) error = %v, want ErrNotFound", err)
	}

	// Stripe events: claimed once, claimable again once released.
	if err := a.ClaimStripeEvent(ctx, "evt_1", "invoice.paid", start); err != nil {
		t.Fatalf("ClaimStripeEvent: %v", err)
	}
	if err := a.ClaimStripeEvent(ctx, "evt_1", "invoice.paid", start); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ClaimStripeEvent(duplicate) error = %v, want ErrConflict", err)
	}
	if err := a.ReleaseStripeEvent(ctx, "evt_1"); err != nil {
		t.Fatalf("ReleaseStripeEvent: %v", err)
	}
	if err := a.ReleaseStripeEvent(ctx, "evt_missing"); err != nil {
		t.Errorf("ReleaseStripeEvent(missing) = %v", err)
	}
	if err := a.ClaimStripeEvent(ctx, "evt_1", "invoice.paid", start); err != nil {
		t.Errorf("ClaimStripeEvent after release: %v", err)
	}

	// Usage per period; the latest period wins, a re-measure replaces.
	if _, err := a.LatestUsage(ctx, acct); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestUsage(none) error = %v, want ErrNotFound", err)
	}
	oct := store.Usage{AccountID: acct, PeriodStart: start.AddDate(0, -1, 0), PeriodEnd: start, Events: 900, MeasuredAt: start}
	nov := store.Usage{AccountID: acct, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), Events: 10, MeasuredAt: start.Add(time.Hour)}
	for _, u := range []store.Usage{nov, oct} {
		if err := a.PutUsage(ctx, u); err != nil {
			t.Fatalf("PutUsage: %v", err)
		}
	}
	nov.Events, nov.MeasuredAt = 25, start.Add(2*time.Hour+time.Microsecond)
	if err := a.PutUsage(ctx, nov); err != nil {
		t.Fatal(err)
	}
	u, err := a.LatestUsage(ctx, acct)
	want := nov
	want.MeasuredAt = start.Add(2 * time.Hour)
	if err != nil || u != want {
		t.Errorf("LatestUsage = %+v, %v; want %+v", u, err, want)
	}
	if err := a.PutUsage(ctx, store.Usage{AccountID: 1 << 40, PeriodStart: start, PeriodEnd: start, MeasuredAt: start}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PutUsage(missing account) error = %v, want ErrNotFound", err)
	}
}

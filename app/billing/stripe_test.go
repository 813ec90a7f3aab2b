package billing_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/billing/stripemock"
	"github.com/footfallhq/footfall/store"
)

// TestStripeCalls makes every Stripe call the product makes against
// stripe-mock, which checks each request against Stripe's API spec.
func TestStripeCalls(t *testing.T) {
	k := newKit(t, stripemock.Start(t))
	ctx := t.Context()
	acct := k.account(t)

	if _, err := k.svc.Portal(ctx, acct); !errors.Is(err, billing.ErrNoCustomer) {
		t.Errorf("Portal before any checkout: error = %v, want ErrNoCustomer", err)
	}
	for _, tc := range [][2]string{{"gold", "month"}, {"free", "month"}, {"premium", "year"}, {"starter_2025", "month"}} {
		if _, err := k.svc.Checkout(ctx, acct, tc[0], tc[1], "owner@example.com"); !errors.Is(err, billing.ErrUnknownPlan) {
			t.Errorf("Checkout(%s/%s) error = %v, want ErrUnknownPlan", tc[0], tc[1], err)
		}
	}

	// Checkout creates the customer once and stores it.
	url, err := k.svc.Checkout(ctx, acct, "basic", "month", "owner@example.com")
	if err != nil || !strings.HasPrefix(url, "https://") {
		t.Fatalf("Checkout(basic) = %q, %v", url, err)
	}
	p, err := k.db.BillingProfile(ctx, acct)
	if err != nil || !strings.HasPrefix(p.StripeCustomerID, "cus_") {
		t.Fatalf("profile after Checkout = %+v, %v; want a customer", p, err)
	}
	if p.PlanCode != "free" {
		t.Errorf("Checkout changed the plan to %q before payment", p.PlanCode)
	}
	if _, err := k.svc.Checkout(ctx, acct, "basic", "year", "owner@example.com"); err != nil {
		t.Fatalf("second Checkout: %v", err)
	}
	if q, _ := k.db.BillingProfile(ctx, acct); q.StripeCustomerID != p.StripeCustomerID {
		t.Errorf("second Checkout changed the customer %q → %q", p.StripeCustomerID, q.StripeCustomerID)
	}

	// The portal, and a coupon on the customer.
	if url, err := k.svc.Portal(ctx, acct); err != nil || !strings.HasPrefix(url, "https://") {
		t.Errorf("Portal = %q, %v", url, err)
	}
	if q, err := k.svc.ApplyCoupon(ctx, acct, "LAUNCH50"); err != nil || q.Coupon != "LAUNCH50" {
		t.Errorf("ApplyCoupon = %+v, %v", q, err)
	}
	// Checkout with a coupon passes it as a discount.
	if _, err := k.svc.Checkout(ctx, acct, "premium", "month", "owner@example.com"); err != nil {
		t.Errorf("Checkout with coupon: %v", err)
	}
	// A coupon before any customer is kept for the first Checkout.
	other := k.account(t)
	if q, err := k.svc.ApplyCoupon(ctx, other, "FRIENDS"); err != nil || q.Coupon != "FRIENDS" || q.StripeCustomerID != "" {
		t.Errorf("ApplyCoupon without customer = %+v, %v", q, err)
	}

	// A paying account changes plans in the portal, not by a second
	// subscription.
	if _, err := k.db.UpdateBillingProfile(ctx, acct, func(p *store.BillingProfile) error {
		p.Status, p.StripeSubscriptionID = "active", "sub_1"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.svc.Checkout(ctx, acct, "premium", "month", "owner@example.com"); !errors.Is(err, billing.ErrSubscribed) {
		t.Errorf("Checkout while subscribed: error = %v, want ErrSubscribed", err)
	}
	// A coupon on a running subscription goes onto it.
	if q, err := k.svc.ApplyCoupon(ctx, acct, "LOYAL"); err != nil || q.Coupon != "LOYAL" {
		t.Errorf("ApplyCoupon on a subscription = %+v, %v", q, err)
	}
}

// TestStripeDown: a Stripe that cannot be reached is an error, not a
// changed profile.
func TestStripeDown(t *testing.T) {
	k := newKit(t, "http://127.0.0.1:1")
	acct := k.account(t)
	if _, err := k.svc.Checkout(t.Context(), acct, "basic", "month", "owner@example.com"); err == nil {
		t.Fatal("Checkout with Stripe down succeeded")
	}
	if p, err := k.svc.Summary(t.Context(), acct); err != nil || p.HasCustomer {
		t.Errorf("after a failed Checkout: %+v, %v", p, err)
	}
}

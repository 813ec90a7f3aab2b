package billing_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/store"
)

// stripeEvent is a Stripe event body as the webhook endpoint receives it.
func stripeEvent(id, typ string, created time.Time, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "created": created.Unix(),
		"type": typ, "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": object},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// post signs payload with secret at ts and hands it to the service, as
// the HTTP handler does.
func (k *kit) post(t *testing.T, payload []byte, secret string, ts time.Time) error {
	t.Helper()
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: ts})
	return k.svc.HandleWebhook(t.Context(), signed.Payload, signed.Header)
}

func subscription(id, customer, price, status string, start time.Time) map[string]any {
	return map[string]any{
		"id": id, "object": "subscription", "customer": customer, "status": status,
		"current_period_start": start.Unix(), "current_period_end": start.AddDate(0, 1, 0).Unix(),
		"items": map[string]any{"object": "list", "data": []any{
			map[string]any{"id": "si_" + id, "object": "subscription_item", "price": map[string]any{"id": price, "object": "price"}},
		}},
		"metadata": map[string]any{},
	}
}

func invoice(id, customer string, attempt int, next time.Time) map[string]any {
	inv := map[string]any{"id": id, "object": "invoice", "customer": customer, "attempt_count": attempt}
	if !next.IsZero() {
		inv["next_payment_attempt"] = next.Unix()
	}
	return inv
}

// customerAccount returns an account whose billing profile holds a Stripe
// customer, as after its first Checkout.
func (k *kit) customerAccount(t testing.TB, customer string) int64 {
	t.Helper()
	acct := k.account(t)
	if _, err := k.db.UpdateBillingProfile(t.Context(), acct, func(p *store.BillingProfile) error {
		p.StripeCustomerID = customer
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return acct
}

func (k *kit) plan(t *testing.T, acct int64) store.BillingProfile {
	t.Helper()
	p, err := k.db.BillingProfile(t.Context(), acct)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWebhookSignature(t *testing.T) {
	k := newKit(t, "")
	acct := k.customerAccount(t, "cus_sig")
	now := time.Now()
	body := stripeEvent("evt_sig", "customer.subscription.updated", now, subscription("sub_sig", "cus_sig", premiumPrice, "active", now))
	var sigErr *billing.SignatureError
	for name, post := range map[string]func() error{
		"wrong secret": func() error { return k.post(t, body, "whsec_wrong", now) },
		"stale":        func() error { return k.post(t, body, webhookSecret, now.Add(-10*time.Minute)) },
		"unsigned":     func() error { return k.svc.HandleWebhook(t.Context(), body, "") },
		"tampered": func() error {
			s := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: webhookSecret, Timestamp: now})
			return k.svc.HandleWebhook(t.Context(), append(slices.Clone(body[:len(body)-1]), ' ', '}'), s.Header)
		},
		"other API version": func() error {
			var m map[string]any
			json.Unmarshal(body, &m)
			m["api_version"] = "2020-08-27"
			b, _ := json.Marshal(m)
			return k.post(t, b, webhookSecret, now)
		},
	} {
		if err := post(); !errors.As(err, &sigErr) {
			t.Errorf("%s: HandleWebhook error = %v, want a SignatureError", name, err)
		}
	}
	if p := k.plan(t, acct); p.PlanCode != "free" {
		t.Errorf("a refused webhook changed the plan to %q", p.PlanCode)
	}
	// The refused ones did not use up the event id.
	if err := k.post(t, body, webhookSecret, now); err != nil {
		t.Fatalf("valid webhook: %v", err)
	}
	if p := k.plan(t, acct); p.PlanCode != "premium" || p.Status != "active" || p.StripeSubscriptionID != "sub_sig" {
		t.Errorf("after a valid subscription.updated: %+v", p)
	}
}

func TestWebhookLifecycle(t *testing.T) {
	k := newKit(t, "")
	ctx := t.Context()
	acct := k.customerAccount(t, "cus_life")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	send := func(id, typ string, at time.Time, obj map[string]any) {
		t.Helper()
		if err := k.post(t, stripeEvent(id, typ, at, obj), webhookSecret, time.Now()); err != nil {
			t.Fatalf("%s %s: %v", typ, id, err)
		}
	}

	// Checkout completes: the plan applies at once, before the
	// subscription's own events arrive.
	send("evt_1", "checkout.session.completed", t0, map[string]any{
		"id": "cs_1", "object": "checkout.session", "mode": "subscription", "customer": "cus_life",
		"subscription": "sub_life", "payment_status": "paid", "client_reference_id": fmt.Sprint(acct),
		"metadata": map[string]any{"account_id": fmt.Sprint(acct), "plan_code": "basic"},
	})
	if l, _ := k.svc.Limits(ctx, acct); l.Plan.Code != "basic" || l.MonthlyEvents != 50_000 {
		t.Fatalf("Limits after checkout = %+v, want basic", l)
	}
	send("evt_2", "customer.subscription.created", t0.Add(time.Second), subscription("sub_life", "cus_life", basicYearly, "active", t0))
	p := k.plan(t, acct)
	if p.PlanCode != "basic" || p.Interval != "year" || !p.PeriodStart.Equal(t0) {
		t.Errorf("after subscription.created: %+v", p)
	}

	// Upgrade in the portal; then the older update arrives late and is
	// ignored; a duplicate delivery changes nothing.
	up := stripeEvent("evt_3", "customer.subscription.updated", t0.Add(3*time.Second), subscription("sub_life", "cus_life", premiumPrice, "active", t0))
	if err := k.post(t, up, webhookSecret, time.Now()); err != nil {
		t.Fatal(err)
	}
	send("evt_late", "customer.subscription.updated", t0.Add(2*time.Second), subscription("sub_life", "cus_life", basicMonthly, "active", t0))
	if l, _ := k.svc.Limits(ctx, acct); l.Plan.Code != "premium" {
		t.Errorf("a late, older event moved the plan to %q", l.Plan.Code)
	}
	if err := k.post(t, up, webhookSecret, time.Now()); err != nil {
		t.Errorf("duplicate delivery: %v", err)
	}

	// Payment fails: dunning mail and banner, once per event, also when
	// Stripe delivers it twice.
	k.mail.take()
	failed := stripeEvent("evt_4", "invoice.payment_failed", t0.Add(4*time.Second), invoice("in_1", "cus_life", 1, t0.Add(72*time.Hour)))
	for range 2 {
		if err := k.post(t, failed, webhookSecret, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	send("evt_5", "customer.subscription.updated", t0.Add(5*time.Second), subscription("sub_life", "cus_life", premiumPrice, "past_due", t0))
	if got := k.mail.take(); !slices.Equal(got, []string{"Your Footfall payment failed"}) {
		t.Errorf("mail after a failed payment = %q, want one dunning mail", got)
	}
	sum, _ := k.svc.Summary(ctx, acct)
	if sum.PaymentIssue == nil || sum.PaymentIssue.Attempts != 1 || sum.Limits.Plan.Code != "premium" {
		t.Errorf("summary after a failed payment = %+v, want a banner and premium kept", sum)
	}
	// Paid after all: banner gone; the older failure arriving again late
	// (a new event id for the same news) does not bring it back.
	send("evt_6", "invoice.paid", t0.Add(6*time.Second), invoice("in_1", "cus_life", 2, time.Time{}))
	send("evt_4b", "invoice.payment_failed", t0.Add(4*time.Second), invoice("in_1", "cus_life", 1, t0.Add(72*time.Hour)))
	if sum, _ := k.svc.Summary(ctx, acct); sum.PaymentIssue != nil || sum.Status != "active" {
		t.Errorf("summary after payment = %+v, want no banner, active", sum)
	}
	k.mail.take()

	// Stripe gives up: last failure, subscription deleted → free, data
	// kept, one mail each.
	send("evt_7", "invoice.payment_failed", t0.Add(7*time.Second), invoice("in_2", "cus_life", 4, time.Time{}))
	send("evt_8", "customer.subscription.deleted", t0.Add(8*time.Second), subscription("sub_life", "cus_life", premiumPrice, "canceled", t0))
	if got := k.mail.take(); !slices.Equal(got, []string{"Your Footfall payment failed", "Your Footfall subscription has ended"}) {
		t.Errorf("mail when Stripe gives up = %q", got)
	}
	if l, _ := k.svc.Limits(ctx, acct); l.Plan.Code != "free" {
		t.Errorf("plan after subscription.deleted = %q, want free", l.Plan.Code)
	}
	// A late update of the deleted subscription does not revive it.
	send("evt_late2", "customer.subscription.updated", t0.Add(5*time.Second), subscription("sub_life", "cus_life", premiumPrice, "active", t0))
	if l, _ := k.svc.Limits(ctx, acct); l.Plan.Code != "free" {
		t.Errorf("a late update after deletion moved the plan to %q", l.Plan.Code)
	}

	// Events of customers that are not ours, and types we do not use, are
	// accepted and ignored.
	send("evt_9", "customer.subscription.updated", t0.Add(9*time.Second), subscription("sub_x", "cus_stranger", premiumPrice, "active", t0))
	send("evt_10", "charge.refunded", t0.Add(9*time.Second), map[string]any{"id": "ch_1", "object": "charge"})
}

func TestWebhookUnpaidDowngrades(t *testing.T) {
	k := newKit(t, "")
	acct := k.customerAccount(t, "cus_unpaid")
	t0 := time.Now().Add(-time.Minute)
	for i, st := range []string{"active", "unpaid"} {
		body := stripeEvent(fmt.Sprint("evt_u", i), "customer.subscription.updated", t0.Add(time.Duration(i)*time.Second),
			subscription("sub_u", "cus_unpaid", basicMonthly, st, t0))
		if err := k.post(t, body, webhookSecret, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if p := k.plan(t, acct); p.PlanCode != "free" || p.Status != "unpaid" {
		t.Errorf("after status unpaid: %+v, want free", p)
	}
}

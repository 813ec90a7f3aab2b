package billing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/footfallhq/footfall/app/billing"
)

// FuzzWebhook feeds event bodies, correctly signed, to the webhook
// handler: whatever Stripe (or someone holding the secret) sends, it must
// answer without panicking, and an unparsable body is a SignatureError
// (400), never a server error. Seeds: testdata/fuzz/FuzzWebhook.
func FuzzWebhook(f *testing.F) {
	now := time.Now()
	f.Add(stripeEvent("evt_f1", "customer.subscription.updated", now, subscription("sub_f", "cus_fuzz", basicMonthly, "active", now)))
	f.Add(stripeEvent("evt_f2", "invoice.payment_failed", now, invoice("in_f", "cus_fuzz", 2, now.Add(time.Hour))))
	f.Add(stripeEvent("evt_f3", "checkout.session.completed", now, map[string]any{"id": "cs_f", "object": "checkout.session",
		"mode": "subscription", "customer": "cus_fuzz", "subscription": "sub_f", "payment_status": "paid", "metadata": map[string]any{"plan_code": "premium"}}))
	f.Add([]byte(`{"id":"evt_x","api_version":"2023-10-16","type":"invoice.paid","data":{"object":{"customer":{"id":7}}}}`))
	k := newKit(f, "")
	k.customerAccount(f, "cus_fuzz")
	f.Fuzz(func(t *testing.T, payload []byte) {
		s := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: webhookSecret, Timestamp: time.Now()})
		err := k.svc.HandleWebhook(t.Context(), s.Payload, s.Header)
		var sigErr *billing.SignatureError
		if err != nil && !errors.As(err, &sigErr) {
			t.Fatalf("HandleWebhook(%q) = %v, want nil or a SignatureError", payload, err)
		}
	})
}

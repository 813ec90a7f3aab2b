package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/footfallhq/footfall/store"
)

// SignatureError is a webhook request that is not a genuine, fresh Stripe
// event: wrong secret, stale timestamp, bad payload or an API version
// other than the one this build speaks. The handler answers 400.
type SignatureError struct{ Err error }

func (e *SignatureError) Error() string { return "stripe webhook: " + e.Err.Error() }
func (e *SignatureError) Unwrap() error { return e.Err }

// HandleWebhook verifies and applies one Stripe event. It returns nil for
// an event applied, ignored (a type we do not use, an unknown customer, an
// event older than what is stored) or already processed (Stripe delivers
// at least once); a *SignatureError for a request to refuse; any other
// error when applying failed, after which Stripe's retry is processed
// anew.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) error {
	if !s.cfg.Enabled || s.cfg.WebhookSecret == "" {
		return ErrDisabled
	}
	// ConstructEvent checks the signature, a timestamp within five minutes
	// (replays of an old delivery fail here) and the API version.
	ev, err := webhook.ConstructEvent(payload, signature, s.cfg.WebhookSecret)
	if err != nil {
		return &SignatureError{Err: err}
	}
	if ev.ID == "" {
		return &SignatureError{Err: errors.New("event without an id")}
	}
	err = s.cfg.Store.ClaimStripeEvent(ctx, ev.ID, string(ev.Type), s.cfg.Now())
	if errors.Is(err, store.ErrConflict) {
		s.log.Debug("billing: duplicate stripe event ignored", "event", ev.ID, "type", ev.Type)
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.apply(ctx, ev); err != nil {
		if rerr := s.cfg.Store.ReleaseStripeEvent(context.WithoutCancel(ctx), ev.ID); rerr != nil {
			s.log.Error("billing: cannot release a failed stripe event; Stripe's retry will be ignored", "event", ev.ID, "err", rerr)
		}
		return fmt.Errorf("billing: apply stripe event %s (%s): %w", ev.ID, ev.Type, err)
	}
	return nil
}

func (s *Service) apply(ctx context.Context, ev stripe.Event) error {
	at := time.Unix(ev.Created, 0).UTC()
	switch ev.Type {
	case "checkout.session.completed":
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
			return &SignatureError{Err: fmt.Errorf("checkout session: %w", err)}
		}
		return s.checkoutCompleted(ctx, at, &cs)
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		var sub stripe.Subscription
		if err := json.Unmarshal(ev.Data.Raw, &sub); err != nil {
			return &SignatureError{Err: fmt.Errorf("subscription: %w", err)}
		}
		return s.subscriptionChanged(ctx, at, &sub, ev.Type == "customer.subscription.deleted")
	case "invoice.paid", "invoice.payment_failed":
		var inv stripe.Invoice
		if err := json.Unmarshal(ev.Data.Raw, &inv); err != nil {
			return &SignatureError{Err: fmt.Errorf("invoice: %w", err)}
		}
		return s.invoiceSettled(ctx, at, &inv, ev.Type == "invoice.paid")
	}
	return nil
}

// account finds the account a Stripe object belongs to: by its customer,
// which Checkout created for the account, or by the account id Checkout
// wrote into the metadata. 0 when it is none of ours.
func (s *Service) account(ctx context.Context, customer *stripe.Customer, metadata map[string]string) (int64, error) {
	if customer != nil && customer.ID != "" {
		p, err := s.cfg.Store.BillingProfileByCustomer(ctx, customer.ID)
		if err == nil {
			return p.AccountID, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
	}
	if id, err := strconv.ParseInt(metadata["account_id"], 10, 64); err == nil && id > 0 {
		if _, err := s.cfg.Store.BillingProfile(ctx, id); err == nil {
			return id, nil
		}
	}
	return 0, nil
}

func (s *Service) checkoutCompleted(ctx context.Context, at time.Time, cs *stripe.CheckoutSession) error {
	if cs.Mode != stripe.CheckoutSessionModeSubscription || cs.Subscription == nil {
		return nil
	}
	id, err := s.account(ctx, cs.Customer, cs.Metadata)
	if err != nil || id == 0 {
		if id == 0 && err == nil {
			s.log.Warn("billing: checkout for an unknown customer ignored", "session", cs.ID)
		}
		return err
	}
	plan := cs.Metadata["plan_code"]
	if _, ok := PlanByCode(plan); !ok {
		plan = ""
	}
	paid := cs.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid ||
		cs.PaymentStatus == stripe.CheckoutSessionPaymentStatusNoPaymentRequired
	return s.update(ctx, id, func(p *store.BillingProfile) bool {
		if at.Before(p.StripeEventAt) {
			return false // the subscription's own, newer events already told us more
		}
		p.StripeEventAt = at
		p.StripeSubscriptionID = cs.Subscription.ID
		if paid && plan != "" {
			p.PlanCode, p.Status = plan, string(stripe.SubscriptionStatusActive)
		}
		return true
	})
}

func (s *Service) subscriptionChanged(ctx context.Context, at time.Time, sub *stripe.Subscription, deleted bool) error {
	id, err := s.account(ctx, sub.Customer, sub.Metadata)
	if err != nil || id == 0 {
		if id == 0 && err == nil {
			s.log.Warn("billing: subscription of an unknown customer ignored", "subscription", sub.ID)
		}
		return err
	}
	plan, interval := "", ""
	if sub.Items != nil && len(sub.Items.Data) > 0 && sub.Items.Data[0].Price != nil {
		plan, interval, _ = s.cfg.Prices.Plan(sub.Items.Data[0].Price.ID)
	}
	if plan == "" {
		if _, ok := PlanByCode(sub.Metadata["plan_code"]); ok {
			plan = sub.Metadata["plan_code"]
		}
	}
	ended := deleted
	switch sub.Status {
	case stripe.SubscriptionStatusCanceled, stripe.SubscriptionStatusUnpaid, stripe.SubscriptionStatusIncompleteExpired:
		ended = true // Stripe gave up, or the customer cancelled
	}
	var downgradedFrom string
	err = s.update(ctx, id, func(p *store.BillingProfile) bool {
		if at.Before(p.StripeEventAt) {
			return false // a newer event was applied: this one is late
		}
		if p.StripeSubscriptionID != "" && p.StripeSubscriptionID != sub.ID && subscribed(*p) {
			// News of another, older subscription must not override the
			// one the account now has.
			return false
		}
		p.StripeEventAt = at
		p.StripeSubscriptionID = sub.ID
		p.Status = string(sub.Status)
		if ended {
			if p.PlanCode != Free {
				downgradedFrom = p.PlanCode
			}
			p.PlanCode, p.Interval = Free, ""
			p.PaymentFailedAt, p.PaymentAttempts = time.Time{}, 0
			return true
		}
		if sub.CurrentPeriodStart > 0 {
			p.PeriodStart = time.Unix(sub.CurrentPeriodStart, 0).UTC()
			p.PeriodEnd = time.Unix(sub.CurrentPeriodEnd, 0).UTC()
		}
		switch sub.Status {
		case stripe.SubscriptionStatusActive, stripe.SubscriptionStatusTrialing, stripe.SubscriptionStatusPastDue:
			if plan != "" {
				p.PlanCode, p.Interval = plan, interval
			}
		}
		return true
	})
	if err == nil && downgradedFrom != "" {
		s.mail(ctx, id, downgradedMail(s.cfg.BaseURL, downgradedFrom))
	}
	return err
}

func (s *Service) invoiceSettled(ctx context.Context, at time.Time, inv *stripe.Invoice, paid bool) error {
	id, err := s.account(ctx, inv.Customer, nil)
	if err != nil || id == 0 {
		return err
	}
	failed := false
	err = s.update(ctx, id, func(p *store.BillingProfile) bool {
		if at.Before(p.InvoiceEventAt) {
			return false
		}
		p.InvoiceEventAt = at
		if paid {
			p.PaymentFailedAt, p.PaymentAttempts = time.Time{}, 0
			if p.Status == string(stripe.SubscriptionStatusPastDue) {
				p.Status = string(stripe.SubscriptionStatusActive)
			}
			return true
		}
		failed = true
		p.PaymentFailedAt, p.PaymentAttempts = at, int(inv.AttemptCount)
		if p.Status == string(stripe.SubscriptionStatusActive) {
			p.Status = string(stripe.SubscriptionStatusPastDue)
		}
		return true
	})
	if err == nil && failed {
		next := time.Time{}
		if inv.NextPaymentAttempt > 0 {
			next = time.Unix(inv.NextPaymentAttempt, 0)
		}
		s.mail(ctx, id, dunningMail(s.cfg.BaseURL, int(inv.AttemptCount), next))
	}
	return err
}

// errStale aborts an update that would apply an older event.
var errStale = errors.New("stale")

// update changes the account's profile with change (which returns false to
// leave it as it is), then drops the caches and re-applies the capacity
// policy, so a plan change takes effect at once.
func (s *Service) update(ctx context.Context, accountID int64, change func(*store.BillingProfile) bool) error {
	_, err := s.cfg.Store.UpdateBillingProfile(ctx, accountID, func(p *store.BillingProfile) error {
		if !change(p) {
			return errStale
		}
		return nil
	})
	if errors.Is(err, errStale) {
		return nil
	}
	if err != nil {
		return err
	}
	s.Invalidate(accountID)
	_, err = s.Reassess(ctx, accountID)
	return err
}

package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/footfallhq/footfall/store"
)

// Errors of the customer-facing calls; the web layer maps them to 4xx.
var (
	// ErrDisabled: billing is off (self-host).
	ErrDisabled = errors.New("billing is not available on this server")
	// ErrNoStripe: billing is on but FOOTFALL_STRIPE_SECRET_KEY is not set.
	ErrNoStripe = errors.New("payments are not set up on this server yet (FOOTFALL_STRIPE_SECRET_KEY)")
	// ErrUnknownPlan: no such plan on sale at that interval.
	ErrUnknownPlan = errors.New("no such plan is on sale")
	// ErrSubscribed: the account already pays; plan changes go through
	// the billing portal, so a second subscription is never started.
	ErrSubscribed = errors.New("the account already has a subscription: change plans in the billing portal")
	// ErrNoCustomer: the account never went through Checkout, so there is
	// no billing portal to open.
	ErrNoCustomer = errors.New("the account has no billing details yet: choose a plan first")
)

// newStripe returns a Stripe client for key; url overrides the API base
// (stripe-mock). Stripe's own retries (2) cover brief network failures.
func newStripe(key, url string) *client.API {
	cfg := &stripe.BackendConfig{
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if url != "" {
		cfg.URL = stripe.String(url)
	}
	b := stripe.GetBackendWithConfig(stripe.APIBackend, cfg)
	return client.New(key, &stripe.Backends{API: b, Connect: b, Uploads: b})
}

// live reports whether Stripe calls can be made.
func (s *Service) live() error {
	if !s.cfg.Enabled {
		return ErrDisabled
	}
	if s.stripe == nil {
		return ErrNoStripe
	}
	return nil
}

// subscribed reports whether a profile has a subscription that is still
// running (one Checkout must not start a second).
func subscribed(p store.BillingProfile) bool {
	switch stripe.SubscriptionStatus(p.Status) {
	case stripe.SubscriptionStatusActive, stripe.SubscriptionStatusTrialing, stripe.SubscriptionStatusPastDue:
		return p.StripeSubscriptionID != ""
	}
	return false
}

// customer returns the account's Stripe customer id, creating the
// customer on first use. email is the buyer's address, for Stripe's
// receipts.
func (s *Service) customer(ctx context.Context, accountID int64, email string) (store.BillingProfile, error) {
	p, err := s.profile(ctx, accountID)
	if err != nil || p.StripeCustomerID != "" {
		return p, err
	}
	params := &stripe.CustomerParams{Email: stripe.String(email)}
	params.Context = ctx
	params.AddMetadata("account_id", strconv.FormatInt(accountID, 10))
	// Two concurrent first Checkouts of one account would otherwise create
	// two customers; Stripe answers a repeated key with the first result.
	params.SetIdempotencyKey("footfall-customer-" + strconv.FormatInt(accountID, 10))
	c, err := s.stripe.Customers.New(params)
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("billing: create stripe customer for account %d: %w", accountID, err)
	}
	return s.cfg.Store.UpdateBillingProfile(ctx, accountID, func(p *store.BillingProfile) error {
		if p.StripeCustomerID == "" {
			p.StripeCustomerID = c.ID
		}
		return nil
	})
}

// Checkout starts a Stripe Checkout session for the account to buy a plan
// and returns the URL to send the buyer to. The webhooks, not the return
// to the success page, change the plan.
func (s *Service) Checkout(ctx context.Context, accountID int64, planCode, interval, email string) (string, error) {
	if err := s.live(); err != nil {
		return "", err
	}
	plan, ok := PlanByCode(planCode)
	price, priced := s.cfg.Prices.Price(planCode, interval)
	if !ok || !plan.Offered || !priced {
		return "", ErrUnknownPlan
	}
	p, err := s.customer(ctx, accountID, email)
	if err != nil {
		return "", err
	}
	if subscribed(p) {
		return "", ErrSubscribed
	}
	account := strconv.FormatInt(accountID, 10)
	params := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:          stripe.String(p.StripeCustomerID),
		ClientReferenceID: stripe.String(account),
		LineItems:         []*stripe.CheckoutSessionLineItemParams{{Price: stripe.String(price), Quantity: stripe.Int64(1)}},
		SuccessURL:        stripe.String(s.cfg.BaseURL + "/billing?account=" + account + "&checkout=success&session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:         stripe.String(s.cfg.BaseURL + "/billing?account=" + account + "&checkout=cancel"),
		SubscriptionData: &stripe.CheckoutSessionSubscriptionDataParams{
			Metadata: map[string]string{"account_id": account, "plan_code": planCode},
		},
	}
	if p.Coupon == "" {
		params.AllowPromotionCodes = stripe.Bool(true)
	} else {
		params.Discounts = []*stripe.CheckoutSessionDiscountParams{{Coupon: stripe.String(p.Coupon)}}
	}
	params.Context = ctx
	params.AddMetadata("account_id", account)
	params.AddMetadata("plan_code", planCode)
	sess, err := s.stripe.CheckoutSessions.New(params)
	if err != nil {
		return "", fmt.Errorf("billing: create checkout session for account %d: %w", accountID, err)
	}
	return sess.URL, nil
}

// Portal opens Stripe's customer billing portal (card, invoices, plan
// changes, cancelling) for the account and returns its URL.
func (s *Service) Portal(ctx context.Context, accountID int64) (string, error) {
	if err := s.live(); err != nil {
		return "", err
	}
	p, err := s.profile(ctx, accountID)
	if err != nil {
		return "", err
	}
	if p.StripeCustomerID == "" {
		return "", ErrNoCustomer
	}
	params := &stripe.BillingPortalSessionParams{
		Customer:  stripe.String(p.StripeCustomerID),
		ReturnURL: stripe.String(s.cfg.BaseURL + "/billing?account=" + strconv.FormatInt(accountID, 10) + "&portal=done"),
	}
	params.Context = ctx
	sess, err := s.stripe.BillingPortalSessions.New(params)
	if err != nil {
		return "", fmt.Errorf("billing: create portal session for account %d: %w", accountID, err)
	}
	return sess.URL, nil
}

// ApplyCoupon gives the account a Stripe coupon (staff): on its running
// subscription now, so the next invoices carry it, and on its next
// Checkout otherwise.
func (s *Service) ApplyCoupon(ctx context.Context, accountID int64, coupon string) (store.BillingProfile, error) {
	if err := s.live(); err != nil {
		return store.BillingProfile{}, err
	}
	p, err := s.profile(ctx, accountID)
	if err != nil {
		return store.BillingProfile{}, err
	}
	if subscribed(p) {
		params := &stripe.SubscriptionParams{Discounts: []*stripe.SubscriptionDiscountParams{{Coupon: stripe.String(coupon)}}}
		params.Context = ctx
		if _, err := s.stripe.Subscriptions.Update(p.StripeSubscriptionID, params); err != nil {
			return store.BillingProfile{}, fmt.Errorf("billing: apply coupon to account %d: %w", accountID, err)
		}
	}
	p, err = s.cfg.Store.UpdateBillingProfile(ctx, accountID, func(p *store.BillingProfile) error {
		p.Coupon = coupon
		return nil
	})
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("billing: apply coupon to account %d: %w", accountID, err)
	}
	return p, nil
}

// SetOverride sets the account's monthly event limit in place of its
// plan's (staff); 0 returns it to the plan's. The capacity policy applies
// the new limit at once.
func (s *Service) SetOverride(ctx context.Context, accountID, events int64) (store.BillingProfile, error) {
	if !s.cfg.Enabled {
		return store.BillingProfile{}, ErrDisabled
	}
	if events < 0 {
		return store.BillingProfile{}, errors.New("billing: an override limit cannot be negative")
	}
	if _, err := s.cfg.Store.UpdateBillingProfile(ctx, accountID, func(p *store.BillingProfile) error {
		p.OverrideEvents = events
		return nil
	}); err != nil {
		return store.BillingProfile{}, fmt.Errorf("billing: set override of account %d: %w", accountID, err)
	}
	s.Invalidate(accountID)
	return s.Reassess(ctx, accountID)
}

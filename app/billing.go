package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
)

// openBilling builds the billing service: active in saas mode only, where
// it meters accounts, pauses and restores their ingestion and talks to
// Stripe; in self-host mode every account is unlimited.
func (a *App) openBilling() error {
	cfg, err := a.BillingConfig()
	if err != nil {
		return err
	}
	a.Billing = billing.New(cfg)
	return nil
}

// BillingConfig is the billing service's configuration from a.Config;
// OpenEvents must have opened the events store.
func (a *App) BillingConfig() (billing.Config, error) {
	cfg := a.Config
	prices, err := billing.ParsePrices(cfg.StripePrices)
	if err != nil {
		return billing.Config{}, fmt.Errorf("FOOTFALL_STRIPE_PRICES: %w", err)
	}
	return billing.Config{
		Enabled:       cfg.SaaS(),
		Store:         a.DB,
		Directory:     directory{a.DB},
		Events:        a.Events,
		Mailer:        a.Mail,
		Logger:        a.Logger.With("component", "billing"),
		StripeKey:     cfg.StripeSecretKey,
		StripeURL:     cfg.StripeAPIURL,
		WebhookSecret: cfg.StripeWebhookSecret,
		Prices:        prices,
		BaseURL:       strings.TrimRight(cfg.BaseURL, "/"),
		Grace:         time.Duration(cfg.BillingGraceDays) * 24 * time.Hour,
	}, nil
}

// AllowPersonalSite refuses a site for the user's personal account (the
// first they own, where a site created for them without an account goes)
// beyond its plan's number of sites (saas mode; `footfall site add
// --owner`). A user owning no account yet gets one, empty: allowed.
func (a *App) AllowPersonalSite(ctx context.Context, userID int64) error {
	// The command line opens the app without billing (embedded mode).
	if a.Billing == nil || !a.Billing.Enabled() {
		return nil
	}
	ms, err := a.DB.UserMemberships(ctx, userID)
	if err != nil {
		return fmt.Errorf("accounts of user %d: %w", userID, err)
	}
	for _, m := range ms {
		if m.Role == store.RoleOwner {
			return a.Billing.AllowSite(ctx, m.AccountID)
		}
	}
	return nil
}

// readableWindow is how far back a site's stats may be read: its
// account's plan retention in saas mode, everything otherwise. Older
// events stay stored (an upgrade shows them again at once).
func (a *App) readableWindow(ctx context.Context, site store.Site, now time.Time) (query.Window, error) {
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	from, refusal, err := a.Billing.ReadableFrom(ctx, site.AccountID, now, loc)
	if err != nil || refusal == nil {
		return query.Window{}, err
	}
	return query.Window{From: from, Refusal: refusal}, nil
}

// directory answers billing's questions about accounts from the app
// store.
type directory struct{ db store.App }

func (d directory) AccountIDs(ctx context.Context) ([]int64, error) {
	accounts, err := d.db.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	return ids, nil
}

func (d directory) AccountSites(ctx context.Context, accountID int64) ([]int64, error) {
	sites, err := d.db.AccountSites(ctx, accountID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(sites))
	for i, s := range sites {
		ids[i] = s.ID
	}
	return ids, nil
}

// BillingContacts are the account's owner and admins.
func (d directory) BillingContacts(ctx context.Context, accountID int64) ([]string, error) {
	members, err := d.db.Members(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, m := range members {
		if m.Role.AtLeast(store.RoleAdmin) && m.Email != "" {
			to = append(to, m.Email)
		}
	}
	return to, nil
}

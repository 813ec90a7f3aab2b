package billing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/store"
)

// TestAllow: the plan's figures are the limits, an override of events
// does not lift them, a grandfathered plan keeps its own, and self-hosted
// there are none.
func TestAllow(t *testing.T) {
	k := newKit(t, "")
	ctx := t.Context()
	acct := k.account(t)
	var le *billing.LimitError
	if err := k.svc.Allow(ctx, acct, billing.LimitAlerts, 0); err != nil {
		t.Fatalf("first alert on free: %v", err)
	}
	err := k.svc.Allow(ctx, acct, billing.LimitAlerts, 1)
	if !errors.As(err, &le) || le.Limit != billing.LimitAlerts || le.Plan.Code != billing.Free || le.Max != 1 ||
		!strings.Contains(err.Error(), "Free plan allows 1 alert rule") {
		t.Fatalf("second alert on free: %v", err)
	}
	if _, err := k.db.UpdateBillingProfile(ctx, acct, func(p *store.BillingProfile) error {
		p.PlanCode, p.OverrideEvents = "starter_2025", 1_000_000
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	k.svc.Invalidate(acct)
	if err := k.svc.Allow(ctx, acct, billing.LimitSites, 9); err != nil {
		t.Errorf("tenth site on starter_2025: %v", err)
	}
	if err := k.svc.Allow(ctx, acct, billing.LimitSites, 10); !errors.As(err, &le) || le.Plan.Code != "starter_2025" || le.Max != 10 {
		t.Errorf("eleventh site on starter_2025: %v", err)
	}
	if err := k.svc.Allow(ctx, 0, billing.LimitSites, 100); err != nil {
		t.Errorf("sites without an account: %v", err)
	}

	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	from, refusal, err := k.svc.ReadableFrom(ctx, acct, now, time.UTC)
	if err != nil || refusal == nil || !from.Equal(time.Date(2023, 11, 24, 0, 0, 0, 0, time.UTC)) || refusal.Limit != billing.LimitRetention {
		t.Errorf("ReadableFrom on starter_2025 (3 years) = %v, %v, %v", from, refusal, err)
	}

	self := billing.New(billing.Config{Enabled: false})
	if err := self.Allow(ctx, acct, billing.LimitMembers, 1000); err != nil {
		t.Errorf("self-hosted Allow: %v", err)
	}
	if err := self.AllowSite(ctx, acct); err != nil {
		t.Errorf("self-hosted AllowSite: %v", err)
	}
	if from, refusal, err := self.ReadableFrom(ctx, acct, now, time.UTC); !from.IsZero() || refusal != nil || err != nil {
		t.Errorf("self-hosted ReadableFrom = %v, %v, %v", from, refusal, err)
	}
}

package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/reports"
	"github.com/footfallhq/footfall/store"
)

// TestStaffDigestBilling: with billing on (hosted mode), the operator's
// digest carries the MRR and the accounts over quota, as the metering job
// left them; with billing off it has no billing section.
func TestStaffDigestBilling(t *testing.T) {
	b := newBillingApp(t, "")
	ctx := context.Background()
	acct := b.site.AccountID
	if _, err := b.DB.UpdateBillingProfile(ctx, acct, func(p *store.BillingProfile) error {
		p.PeriodStart = b.clock().Add(-24 * time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b.seed(t, 5500, b.clock().Add(-time.Hour)) // the free plan's limit is 5,000
	b.meter(t)

	d, err := b.StaffDigest().Build(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if d.Billing == nil || len(d.Billing.OverQuota) != 1 {
		t.Fatalf("digest billing = %+v, want one account over quota", d.Billing)
	}
	q := d.Billing.OverQuota[0]
	if q.AccountID != acct || q.Capacity != store.CapacityGrace || q.Used < 5500 || q.Limit != 5000 || q.GraceUntil == "" || q.Plan != "free" {
		t.Errorf("over quota = %+v", q)
	}
	if d.Billing.MRRCents != 0 || d.Billing.Paying != 0 || d.Billing.Accounts < 1 {
		t.Errorf("billing = %+v, want no revenue from a free account", d.Billing)
	}
	out, err := reports.RenderDigest(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Text, "MRR               $0.00") || !strings.Contains(out.Text, "Over quota        1 account\n") {
		t.Errorf("digest text:\n%s", out.Text)
	}

	b.Billing = nil // as self-hosted
	if d, err = b.StaffDigest().Build(ctx, time.Now()); err != nil || d.Billing != nil {
		t.Errorf("self-hosted digest billing = %+v, %v; want none", d.Billing, err)
	}
}

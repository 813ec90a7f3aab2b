package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/store"
)

// setPlan puts the account on a plan as a webhook would, dropping the
// billing cache the way the webhook handler does.
func (b *billingApp) setPlan(t *testing.T, acct int64, plan string) {
	t.Helper()
	if _, err := b.DB.UpdateBillingProfile(context.Background(), acct, func(p *store.BillingProfile) error {
		p.PlanCode = plan
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b.Billing.Invalidate(acct)
}

func wantPlanLimit(t *testing.T, call string, r response, limit, plan string) {
	t.Helper()
	var body struct{ Error, Code, Limit, Plan string }
	if r.status != 402 || json.Unmarshal([]byte(r.body), &body) != nil || body.Code != "plan_limit" ||
		body.Limit != limit || body.Plan != plan || body.Error == "" {
		t.Fatalf("%s = %d %s, want 402 plan_limit naming %q and %q", call, r.status, r.body, limit, plan)
	}
}

// TestPlanLimitAlertsAndCLISites: the plan's alert rules count over all
// the account's sites through the alerts API, and `footfall site add
// --owner` holds the owner's account to the plan's sites.
func TestPlanLimitAlertsAndCLISites(t *testing.T) {
	b := newBillingApp(t, "")
	ctx := context.Background()
	acct := b.site.AccountID
	h := []string{"Authorization", "Bearer " + b.user, "Content-Type", "application/json"}
	r := b.do(t, "POST", "/api/v1/sites/alerts/channels", `{"site_id":"example.com","kind":"email","name":"team","target":"ops@example.com"}`, h...)
	var ch struct{ ID int64 }
	if r.status != 201 || json.Unmarshal([]byte(r.body), &ch) != nil {
		t.Fatalf("create channel = %d %s", r.status, r.body)
	}
	rule := func(name string) string {
		return fmt.Sprintf(`{"site_id":"example.com","kind":"traffic_spike","name":%q,"params":{"visitors":50},"channel_ids":[%d]}`, name, ch.ID)
	}
	if r := b.do(t, "POST", "/api/v1/sites/alerts/rules", rule("one"), h...); r.status != 201 {
		t.Fatalf("first rule on free = %d %s", r.status, r.body)
	}
	wantPlanLimit(t, "second rule on free", b.do(t, "POST", "/api/v1/sites/alerts/rules", rule("two"), h...), "alerts", "free")

	// The CLI's check: the owner's account has its one free site.
	var limit *billing.LimitError
	owner, err := b.DB.UserByEmail(ctx, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AllowPersonalSite(ctx, owner.ID); !errors.As(err, &limit) || limit.Limit != billing.LimitSites || limit.Plan.Code != "free" {
		t.Fatalf("AllowPersonalSite on free = %v, want a sites LimitError", err)
	}
	stranger, err := b.DB.UserByEmail(ctx, "stranger@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AllowPersonalSite(ctx, stranger.ID); err != nil {
		t.Fatalf("AllowPersonalSite for a user with no site = %v", err)
	}

	b.setPlan(t, acct, "basic")
	if r := b.do(t, "POST", "/api/v1/sites/alerts/rules", rule("two"), h...); r.status != 201 {
		t.Fatalf("second rule on basic = %d %s", r.status, r.body)
	}
	if err := b.AllowPersonalSite(ctx, owner.ID); err != nil {
		t.Fatalf("AllowPersonalSite on basic = %v", err)
	}
}

// TestPlanRetention: stats older than the plan's retention are not read
// (a range partly older is cut, one wholly older is refused with 402),
// never deleted: an upgrade reads them again at once.
func TestPlanRetention(t *testing.T) {
	b := newBillingApp(t, "")
	now := time.Now().UTC()
	b.seed(t, 10, now.AddDate(0, 0, -400)) // beyond the free plan's 365 days
	b.seed(t, 7, now.AddDate(0, 0, -10))
	b.waitStored(t, 17)
	h := []string{"Authorization", "Bearer " + b.user, "Content-Type", "application/json"}
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	ask := func(from, to int) response {
		return b.do(t, "POST", "/api/v2/query", fmt.Sprintf(`{"site_id":"example.com","metrics":["pageviews"],"date_range":[%q,%q]}`, day(from), day(to)), h...)
	}
	count := func(call string, r response) (float64, map[string]any) {
		t.Helper()
		var body struct {
			Results []struct{ Metrics []float64 }
			Meta    map[string]any
		}
		if r.status != 200 || json.Unmarshal([]byte(r.body), &body) != nil || len(body.Results) != 1 {
			t.Fatalf("%s = %d %s", call, r.status, r.body)
		}
		return body.Results[0].Metrics[0], body.Meta
	}

	n, meta := count("500 days on free", ask(-500, 0))
	if n != 7 || meta["readable_from"] == nil {
		t.Errorf("500 days on free: %v pageviews, meta %v; want 7, cut at readable_from", n, meta)
	}
	wantPlanLimit(t, "a range wholly older than a year on free", ask(-450, -380), "retention_days", "free")
	funnel := fmt.Sprintf(`{"site_id":"example.com","date_range":[%q,%q],"steps":[{"page_path":"/"},{"page_path":"/pricing"}]}`, day(-450), day(-380))
	wantPlanLimit(t, "a funnel wholly older than a year on free", b.do(t, "POST", "/api/v2/funnel", funnel, h...), "retention_days", "free")

	b.setPlan(t, b.site.AccountID, "basic") // three years
	if n, meta := count("500 days on basic", ask(-500, 0)); n != 17 || meta["readable_from"] != nil {
		t.Errorf("500 days on basic: %v pageviews, meta %v; want all 17", n, meta)
	}
	if n, _ := count("the old range on basic", ask(-450, -380)); n != 10 {
		t.Errorf("old range on basic: %v pageviews, want 10", n)
	}
}

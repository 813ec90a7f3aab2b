package billing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

// kit is a billing service on an in-memory SQLite store, with a clock the
// test moves and the mail it sent.
type kit struct {
	svc  *billing.Service
	db   store.App
	dir  *dir
	mail *mailbox
	now  time.Time
	mu   sync.Mutex
}

const (
	webhookSecret = "whsec_test_secret"
	basicMonthly  = "price_basic_month"
	basicYearly   = "price_basic_year"
	premiumPrice  = "price_premium_month"
)

func newKit(t testing.TB, stripeURL string) *kit {
	t.Helper()
	db, err := sqlite.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	prices, err := billing.ParsePrices("basic:month=" + basicMonthly + ",basic:year=" + basicYearly + ",premium:month=" + premiumPrice)
	if err != nil {
		t.Fatal(err)
	}
	smtp := mailtest.Start(t)
	tr, from, err := mail.NewTransport(mail.Options{SMTPURL: smtp.URL(), BaseURL: "https://footfall.example"})
	if err != nil {
		t.Fatal(err)
	}
	k := &kit{db: db, dir: &dir{contacts: map[int64][]string{}}, mail: &mailbox{srv: smtp},
		now: time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)}
	k.svc = billing.New(billing.Config{
		Enabled: true, Store: db, Directory: k.dir, Mailer: mail.Direct{Transport: tr, From: from},
		StripeKey: "sk_test_123", StripeURL: stripeURL, WebhookSecret: webhookSecret,
		Prices: prices, BaseURL: "https://footfall.example", Grace: 7 * 24 * time.Hour,
		Now: func() time.Time { k.mu.Lock(); defer k.mu.Unlock(); return k.now },
	})
	return k
}

// account returns a new account with a billing contact.
func (k *kit) account(t testing.TB) int64 {
	t.Helper()
	id := newAccount(t, k.db)
	k.dir.contacts[id] = []string{"owner@example.com"}
	return id
}

// dir is the test's account directory: no sites, one contact each.
type dir struct {
	contacts map[int64][]string
}

func (d *dir) AccountIDs(context.Context) ([]int64, error) {
	var ids []int64
	for id := range d.contacts {
		ids = append(ids, id)
	}
	return ids, nil
}
func (d *dir) AccountSites(context.Context, int64) ([]int64, error) { return nil, nil }
func (d *dir) BillingContacts(_ context.Context, id int64) ([]string, error) {
	return d.contacts[id], nil
}

// mailbox is a real SMTP server billing's mail is delivered to.
type mailbox struct {
	srv  *mailtest.Server
	seen int
}

// take returns the subjects received since the last call.
func (m *mailbox) take() []string {
	msgs := m.srv.Messages()[m.seen:]
	m.seen += len(msgs)
	var out []string
	for _, r := range msgs {
		out = append(out, r.Subject)
	}
	return out
}

func TestPlans(t *testing.T) {
	want := map[string]int64{"free": 5_000, "basic": 50_000, "premium": 250_000}
	for code, events := range want {
		p, ok := billing.PlanByCode(code)
		if !ok || p.MonthlyEvents != events || !p.Offered {
			t.Errorf("PlanByCode(%s) = %+v, %v; want %d events, offered", code, p, ok, events)
		}
	}
	grandfathered := 0
	for _, p := range billing.Plans() {
		if !p.Offered {
			grandfathered++
		}
	}
	if grandfathered == 0 {
		t.Error("no grandfathered plan in the table")
	}
	if p, _ := billing.PlanByCode("premium"); !p.Has(billing.FeatureFunnels) {
		t.Error("premium lacks funnels")
	}
	if p, _ := billing.PlanByCode("free"); p.Has(billing.FeatureFunnels) {
		t.Error("free has funnels")
	}
}

func TestParsePrices(t *testing.T) {
	p, err := billing.ParsePrices(" basic:month=price_a , premium:year=price_b,")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := p.Price("basic", "month"); !ok || id != "price_a" {
		t.Errorf("Price(basic, month) = %q, %v", id, ok)
	}
	if plan, iv, ok := p.Plan("price_b"); !ok || plan != "premium" || iv != "year" {
		t.Errorf("Plan(price_b) = %q %q %v", plan, iv, ok)
	}
	for _, bad := range []string{"basic=price_a", "free:month=price_a", "gold:month=p", "basic:week=p", "basic:month="} {
		if _, err := billing.ParsePrices(bad); err == nil {
			t.Errorf("ParsePrices(%q) accepted", bad)
		}
	}
}

func TestUsagePeriod(t *testing.T) {
	d := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		anchor, now, start, end string
	}{
		{"", "2026-11-23T10:00:00Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{"2026-01-15T08:30:00Z", "2026-11-23T10:00:00Z", "2026-11-15T08:30:00Z", "2026-12-15T08:30:00Z"},
		{"2026-01-15T08:30:00Z", "2026-11-15T08:29:59Z", "2026-10-15T08:30:00Z", "2026-11-15T08:30:00Z"},
		{"2026-01-31T00:00:00Z", "2026-02-28T12:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z"},
		{"2026-12-20T00:00:00Z", "2026-11-23T00:00:00Z", "2026-11-20T00:00:00Z", "2026-12-20T00:00:00Z"}, // anchor in the future
	}
	for _, tt := range tests {
		var anchor time.Time
		if tt.anchor != "" {
			anchor = d(tt.anchor)
		}
		start, end := billing.UsagePeriod(anchor, d(tt.now))
		if !start.Equal(d(tt.start)) || !end.Equal(d(tt.end)) {
			t.Errorf("UsagePeriod(%s, %s) = %s, %s; want %s, %s", tt.anchor, tt.now, start, end, tt.start, tt.end)
		}
	}
}

func TestSelfHostIsUnlimited(t *testing.T) {
	svc := billing.New(billing.Config{})
	l, err := svc.Limits(t.Context(), 1)
	if err != nil || !l.Unlimited || !l.Has(billing.FeatureFunnels) || l.Paused() {
		t.Errorf("Limits in self-host = %+v, %v; want unlimited", l, err)
	}
	if svc.Paused(t.Context(), 1) {
		t.Error("Paused in self-host")
	}
	if _, err := svc.Checkout(t.Context(), 1, "basic", "month", "a@example.com"); err != billing.ErrDisabled {
		t.Errorf("Checkout in self-host error = %v", err)
	}
	if err := svc.Meter(t.Context()); err != nil {
		t.Errorf("Meter in self-host: %v", err)
	}
}

func TestLimitsFollowProfile(t *testing.T) {
	k := newKit(t, "")
	ctx := t.Context()
	acct := k.account(t)
	l, err := k.svc.Limits(ctx, acct)
	if err != nil || l.Plan.Code != "free" || l.MonthlyEvents != 5_000 {
		t.Fatalf("Limits(new account) = %+v, %v", l, err)
	}
	if _, err := k.svc.SetOverride(ctx, acct, 12_345); err != nil {
		t.Fatal(err)
	}
	if l, _ := k.svc.Limits(ctx, acct); l.MonthlyEvents != 12_345 {
		t.Errorf("Limits after override = %d events, want 12345 at once", l.MonthlyEvents)
	}
}

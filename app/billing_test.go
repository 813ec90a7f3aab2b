package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/billing/stripemock"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/app/web"
	"github.com/footfallhq/footfall/store"
)

const testWebhookSecret = "whsec_capacity_test"

// billingApp is a test app with billing on (as in saas mode, but on the
// embedded stores), a clock the test moves and the mail billing sent.
type billingApp struct {
	*testApp
	mu   sync.Mutex
	now  time.Time
	smtp *mailtest.Server
	seen int // messages already taken
}

func (b *billingApp) clock() time.Time { b.mu.Lock(); defer b.mu.Unlock(); return b.now }
func (b *billingApp) advance(d time.Duration) {
	b.mu.Lock()
	b.now = b.now.Add(d)
	b.mu.Unlock()
}

// takeMail returns the subjects of the mail the SMTP server received since
// the last call, checking each went to the account's owner only.
func (b *billingApp) takeMail(t *testing.T) []string {
	t.Helper()
	// The outbox delivers in the background: wait for what was queued.
	if w, ok := b.Mail.(interface{ Wait() }); ok {
		w.Wait()
	}
	msgs := b.smtp.Messages()[b.seen:]
	b.seen += len(msgs)
	var subjects []string
	for _, m := range msgs {
		if !slices.Equal(m.To, []string{"owner@example.com"}) {
			t.Errorf("billing mail %q went to %q", m.Subject, m.To)
		}
		subjects = append(subjects, m.Subject)
	}
	return subjects
}

func newBillingApp(t *testing.T, stripeURL string) *billingApp {
	t.Helper()
	ctx := context.Background()
	smtp := mailtest.Start(t)
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir(), "FOOTFALL_SMTP_URL=" + smtp.URL(),
		"FOOTFALL_STRIPE_PRICES=basic:month=price_basic_m,premium:month=price_premium_m"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.OpenEvents(ctx); err != nil {
		t.Fatal(err)
	}
	b := &billingApp{now: time.Now().UTC().Truncate(time.Second), smtp: smtp}
	bc, err := a.BillingConfig()
	if err != nil {
		t.Fatal(err)
	}
	bc.Enabled, bc.Now, bc.WebhookSecret = true, b.clock, testWebhookSecret
	if stripeURL != "" {
		bc.StripeKey, bc.StripeURL = "sk_test_123", stripeURL
	}
	a.Billing = billing.New(bc)
	deps, err := a.WebDeps(os.DirFS("../assets"))
	if err != nil {
		t.Fatal(err)
	}
	b.testApp = &testApp{App: a, srv: httptest.NewServer(web.New(deps))}
	t.Cleanup(b.srv.Close)
	batchCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	bt := a.Batcher()
	bt.Interval = 10 * time.Millisecond
	go func() { done <- bt.Run(batchCtx, 5*time.Second) }()
	t.Cleanup(func() {
		stop()
		// A batcher stopped before it finished starting (a short test on a
		// busy machine) reports the cancellation; nothing was lost.
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("batcher: %v", err)
		}
		a.Close()
	})
	owner, err := a.DB.CreateUser(ctx, store.User{Email: "owner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	b.user = b.key(t, owner.ID)
	stranger, err := a.DB.CreateUser(ctx, store.User{Email: "stranger@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	b.admin = b.key(t, stranger.ID) // not staff: a user of another account
	if b.site, err = a.DB.CreateSite(ctx, store.Site{Domain: "example.com", TimeZone: "UTC", OwnerID: owner.ID}); err != nil {
		t.Fatal(err)
	}
	return b
}

// seed stores n events of the site directly in the events store, as
// earlier traffic would have.
func (b *billingApp) seed(t *testing.T, n int, at time.Time) {
	t.Helper()
	evs := make([]store.Event, n)
	for i := range evs {
		evs[i] = store.Event{Timestamp: at.Add(time.Duration(i) * time.Millisecond).UTC().Truncate(time.Millisecond),
			SiteID: b.site.ID, VisitorID: uint64(i + 1), SessionID: uint64(i + 1), Name: "pageview",
			Hostname: "example.com", Pathname: "/", ScrollDepth: -1}
	}
	if err := b.Events.Append(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// ingest posts one pageview and returns the status and error code.
func (b *billingApp) ingest(t *testing.T, ip string) (int, string) {
	t.Helper()
	r := b.do(t, "POST", "/api/event", `{"n":"pageview","u":"https://example.com/pricing","d":"example.com"}`, "X-Forwarded-For", ip)
	var e struct{ Code string }
	json.Unmarshal([]byte(r.body), &e)
	return r.status, e.Code
}

func (b *billingApp) meter(t *testing.T) {
	t.Helper()
	if err := b.Billing.Meter(context.Background()); err != nil {
		t.Fatalf("Meter: %v", err)
	}
}

func (b *billingApp) capacity(t *testing.T, acct int64) billing.Summary {
	t.Helper()
	r := b.do(t, "GET", fmt.Sprint("/api/billing/accounts/", acct), "", "Authorization", "Bearer "+b.user)
	if r.status != 200 {
		t.Fatalf("GET billing summary = %d %s", r.status, r.body)
	}
	var s billing.Summary
	if err := json.Unmarshal([]byte(r.body), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// webhook posts a signed Stripe event to /webhooks/stripe.
func (b *billingApp) webhook(t *testing.T, secret string, ts time.Time, body []byte) response {
	t.Helper()
	s := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: ts})
	return b.do(t, "POST", "/webhooks/stripe", string(s.Payload), "Stripe-Signature", s.Header, "Content-Type", "application/json")
}

// TestCapacityPolicy walks an account on the free plan (5,000 events a
// month) under → over → grace → limited → upgrade → restored, checking the
// mail and the ingestion answer at each step and that no stored event is
// ever lost.
func TestCapacityPolicy(t *testing.T) {
	b := newBillingApp(t, "")
	ctx := context.Background()
	acct := b.site.AccountID // the owner's personal account
	// The period started yesterday: the grace period fits in it.
	if _, err := b.DB.UpdateBillingProfile(ctx, acct, func(p *store.BillingProfile) error {
		p.PeriodStart, p.StripeCustomerID = b.clock().Add(-24*time.Hour), "cus_capacity"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	expect := func(step string, wantStatus int, wantCode string) {
		t.Helper()
		status, code := b.ingest(t, fmt.Sprintf("81.2.69.%d", 10+accepted))
		if status != wantStatus || code != wantCode {
			t.Fatalf("%s: POST /api/event = %d %q, want %d %q", step, status, code, wantStatus, wantCode)
		}
		if status == 202 {
			accepted++
		}
	}
	expectMail := func(step string, want ...string) {
		t.Helper()
		if got := b.takeMail(t); !slices.Equal(got, want) {
			t.Fatalf("%s: mail = %q, want %q", step, got, want)
		}
	}

	// Under the limit.
	b.seed(t, 4000, b.clock().Add(-time.Hour))
	b.meter(t)
	expectMail("under")
	expect("under", 202, "")
	if s := b.capacity(t, acct); s.Limits.Capacity != store.CapacityOK || s.Usage.Used < 4000 || s.Usage.Limit != 5000 || s.Usage.Projected <= s.Usage.Used {
		t.Errorf("under: summary %+v", s)
	}

	// Over: an email and a grace period; events are still stored.
	b.seed(t, 1500, b.clock().Add(-time.Hour))
	b.meter(t)
	expectMail("over", "Your Footfall plan's monthly events are used up")
	expect("grace", 202, "")
	b.advance(3 * 24 * time.Hour)
	b.meter(t)
	expectMail("grace, day 3")
	expect("grace, day 3", 202, "")
	if s := b.capacity(t, acct); s.Limits.Capacity != store.CapacityGrace || s.Limits.GraceUntil.IsZero() {
		t.Errorf("grace: summary %+v", s.Limits)
	}

	// Grace over: ingestion refused with a clear answer.
	b.advance(5 * 24 * time.Hour)
	b.meter(t)
	expectMail("limited", "Footfall has paused counting your sites' events")
	expect("limited", 402, "over_quota")
	expect("limited, again", 402, "over_quota")

	// Webhooks that are not genuine change nothing.
	upgrade := []byte(fmt.Sprintf(`{"id":"evt_upgrade","object":"event","api_version":"2023-10-16","created":%d,"type":"customer.subscription.updated",
		"data":{"object":{"id":"sub_cap","object":"subscription","customer":"cus_capacity","status":"active",
		"current_period_start":%d,"current_period_end":%d,
		"items":{"object":"list","data":[{"id":"si_1","object":"subscription_item","price":{"id":"price_basic_m","object":"price"}}]}}}}`,
		time.Now().Unix(), b.clock().Add(-24*time.Hour).Unix(), b.clock().Add(29*24*time.Hour).Unix()))
	for name, r := range map[string]response{
		"wrong secret": b.webhook(t, "whsec_wrong", time.Now(), upgrade),
		"stale":        b.webhook(t, testWebhookSecret, time.Now().Add(-time.Hour), upgrade),
	} {
		if r.status != 400 || !strings.Contains(r.body, `"invalid_webhook"`) {
			t.Errorf("webhook, %s = %d %s, want 400 invalid_webhook", name, r.status, r.body)
		}
	}
	expect("limited after forged upgrades", 402, "over_quota")

	// Upgrade: restored at once, no waiting for the metering job.
	if r := b.webhook(t, testWebhookSecret, time.Now(), upgrade); r.status != 200 {
		t.Fatalf("upgrade webhook = %d %s", r.status, r.body)
	}
	expectMail("upgrade", "Footfall is counting your sites' events again")
	expect("restored", 202, "")
	if r := b.webhook(t, testWebhookSecret, time.Now(), upgrade); r.status != 200 {
		t.Errorf("duplicate upgrade webhook = %d %s", r.status, r.body)
	}
	expectMail("duplicate upgrade")
	if s := b.capacity(t, acct); s.Limits.Plan.Code != "basic" || s.Limits.Capacity != store.CapacityOK || s.Usage.Limit != 50_000 {
		t.Errorf("restored: summary %+v", s.Limits)
	}
	b.meter(t)
	expectMail("metering after the upgrade")

	// Nothing stored was deleted; refused events were not stored.
	b.waitStored(t, int64(4000+1500+accepted))
}

// TestBillingAPIAccess: only the account's owner (or staff) sees and
// changes its billing; everyone else gets 404, bad input a 4xx.
func TestBillingAPIAccess(t *testing.T) {
	b := newBillingApp(t, stripemock.Start(t))
	ctx := context.Background()
	acct := b.site.AccountID
	path := fmt.Sprint("/api/billing/accounts/", acct)
	member := func(email string, role store.Role, admin bool) string {
		u, err := b.DB.CreateUser(ctx, store.User{Email: email, Admin: admin})
		if err != nil {
			t.Fatal(err)
		}
		if role != "" {
			if err := b.DB.AddMember(ctx, store.Membership{AccountID: acct, UserID: u.ID, Role: role}); err != nil {
				t.Fatal(err)
			}
		}
		return b.key(t, u.ID)
	}
	editor := member("editor@example.com", store.RoleEditor, false)
	admin := member("admin@example.com", store.RoleAdmin, false)
	staff := member("staff@example.com", "", true)
	if r := b.do(t, "GET", "/api/admin/billing", "", "Authorization", "Bearer "+staff); r.status != 403 || !strings.Contains(r.body, "staff_2fa_required") {
		t.Errorf("staff without two-factor = %d %s, want 403 staff_2fa_required", r.status, r.body)
	}
	b.staff2FA(t, "staff@example.com")
	tests := []struct {
		name, method, path, body, key string
		status                        int
		code                          string
	}{
		{"anonymous", "GET", path, "", "", 401, ""},
		{"other account", "GET", path, "", b.admin, 404, "account_not_found"},
		{"other account checkout", "POST", path + "/checkout", `{"plan":"basic"}`, b.admin, 404, "account_not_found"},
		{"bad id", "GET", "/api/billing/accounts/x", "", b.user, 404, "account_not_found"},
		{"editor of the account", "GET", path, "", editor, 403, "forbidden"},
		{"staff", "GET", path, "", staff, 200, ""},
		{"admin of the account", "GET", path, "", admin, 200, ""},
		{"owner", "GET", path, "", b.user, 200, ""},
		{"unknown plan", "POST", path + "/checkout", `{"plan":"gold"}`, b.user, 400, "unknown_plan"},
		{"not json", "POST", path + "/checkout", `plan=basic`, b.user, 415, "unsupported_media_type"},
		{"portal without customer", "POST", path + "/portal", ``, b.user, 409, "no_customer"},
		{"checkout", "POST", path + "/checkout", `{"plan":"basic","interval":"month"}`, b.user, 200, ""},
		{"portal", "POST", path + "/portal", ``, b.user, 200, ""},
		{"staff view, not staff", "GET", "/api/admin/billing", "", b.user, 403, "forbidden"},
		{"staff view", "GET", "/api/admin/billing", "", staff, 200, ""},
		{"staff override", "POST", fmt.Sprint("/api/admin/billing/accounts/", acct), `{"override_events":100000}`, staff, 200, ""},
		{"staff override, negative", "POST", fmt.Sprint("/api/admin/billing/accounts/", acct), `{"override_events":-1}`, staff, 400, "invalid_override"},
		{"staff change, empty", "POST", fmt.Sprint("/api/admin/billing/accounts/", acct), `{}`, staff, 400, "invalid_request"},
		{"staff change, not staff", "POST", fmt.Sprint("/api/admin/billing/accounts/", acct), `{"coupon":"X"}`, b.user, 404, "account_not_found"},
		{"staff coupon", "POST", fmt.Sprint("/api/admin/billing/accounts/", acct), `{"coupon":"LAUNCH50"}`, staff, 200, ""},
		{"plans", "GET", "/api/billing/plans", "", "", 200, ""},
		{"webhook unsigned", "POST", "/webhooks/stripe", `{}`, "", 400, "invalid_webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := []string{"Content-Type", "application/json"}
			if tt.body == "plan=basic" {
				h = []string{"Content-Type", "application/x-www-form-urlencoded"}
			}
			if tt.key != "" {
				h = append(h, "Authorization", "Bearer "+tt.key)
			}
			r := b.do(t, tt.method, tt.path, tt.body, h...)
			if r.status != tt.status || tt.code != "" && !strings.Contains(r.body, `"code":"`+tt.code+`"`) {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, r.status, r.body, tt.status, tt.code)
			}
		})
	}
	// Each staff change is in the audit log, with its parameters.
	entries, err := b.DB.AuditLog(ctx, store.AuditQuery{AccountID: acct})
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Detail+" by "+e.ActorEmail)
	}
	if want := []string{`billing.coupon {"coupon":"LAUNCH50"} by staff@example.com`, `billing.override {"override_events":100000} by staff@example.com`}; err != nil || !slices.Equal(actions, want) {
		t.Errorf("audit log = %q, %v; want %q", actions, err, want)
	}
	r := b.do(t, "GET", "/api/admin/billing", "", "Authorization", "Bearer "+staff)
	var staffView struct {
		Accounts []billing.AccountReport
		MRRCents int64 `json:"mrr_cents"`
	}
	json.Unmarshal([]byte(r.body), &staffView)
	if len(staffView.Accounts) != 1 || staffView.Accounts[0].Override != 100000 || staffView.Accounts[0].Coupon != "LAUNCH50" {
		t.Errorf("staff view = %s", r.body)
	}
	// The checkout page comes back to a page that says what happened.
	if r := b.do(t, "GET", "/billing/return?checkout=success", ""); r.status != 200 || !strings.Contains(r.body, `id="app"`) {
		t.Errorf("GET /billing/return = %d %s", r.status, r.body)
	}
}

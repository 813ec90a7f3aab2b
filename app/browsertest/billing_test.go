package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/billing/stripemock"
)

const billingWebhookSecret = "whsec_browser_billing"

// TestBillingUpgrade: in hosted mode the owner opens /billing (free plan),
// picks Basic yearly and is sent to the Stripe Checkout session's URL
// (caught here: the test has no network); Stripe's webhooks, signed as
// Stripe signs them, arrive; back on the success URL the page shows the
// Basic plan and its limits.
func TestBillingUpgrade(t *testing.T) {
	stripeURL := stripemock.Start(t)
	f := StartFootfallWith(t, assets, []string{"FOOTFALL_STRIPE_PRICES=basic:month=price_basic_m,basic:year=price_basic_y,premium:month=price_premium_m"},
		func(a *app.App) {
			bc, err := a.BillingConfig()
			if err != nil {
				t.Fatal(err)
			}
			bc.Enabled, bc.StripeKey, bc.StripeURL, bc.WebhookSecret = true, "sk_test_123", stripeURL, billingWebhookSecret
			a.Billing = billing.New(bc)
		}, "example.com")
	hash, err := auth.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.App.DB.SetPassword(t.Context(), f.Sites["example.com"].OwnerID, hash); err != nil {
		t.Fatal(err)
	}
	acct := f.Sites["example.com"].AccountID

	tab := Browser(t, Options{Width: 1100, Height: 900, Human: true})
	pe := watchErrors(t, tab)
	// Every https request leaves the test server: Stripe's pages. Record
	// them and answer with a stand-in page.
	var (
		mu  sync.Mutex
		off []string
	)
	// Listen's fn must not run commands itself: the answer goes from
	// another goroutine.
	if err := chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			mu.Lock()
			off = append(off, e.Request.URL)
			mu.Unlock()
			go chromedp.Call(tab, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: e.RequestID, ResponseCode: 200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}},
				Body:            []byte("<h1>Stripe Checkout (test)</h1>")})
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://*"}}}); err != nil {
		t.Fatal(err)
	}

	signIn(t, tab, f, fmt.Sprintf("/billing?account=%d", acct))
	waitFor(t, tab, "the free plan", `document.querySelector('[data-plan=free]') !== null && document.querySelector('[data-upgrade=basic]') !== null`)
	if nav := Eval[bool](t, tab, `[...document.querySelectorAll('.topbar nav a')].some((a) => a.getAttribute('href') === '/billing')`); !nav {
		t.Error("no Billing entry in the nav in hosted mode")
	}
	Do(t, tab, chromedp.Click(`.segmented button:nth-child(2)`), chromedp.Click(`[data-upgrade=basic]`))
	waitFor(t, tab, "Stripe Checkout", `document.body.innerText.includes('Stripe Checkout (test)')`)
	mu.Lock()
	sent := append([]string(nil), off...)
	mu.Unlock()
	if len(sent) == 0 || !strings.HasPrefix(sent[0], "https://checkout.stripe.com/") {
		t.Fatalf("the browser went to %q, want the Checkout session's URL", sent)
	}

	// Stripe's side: the Checkout completed and the subscription exists.
	p, err := f.App.DB.BillingProfile(t.Context(), acct)
	if err != nil || p.StripeCustomerID == "" {
		t.Fatalf("after Checkout the profile is %+v, %v: want its Stripe customer", p, err)
	}
	now := time.Now()
	for _, ev := range []string{
		fmt.Sprintf(`{"id":"evt_b1","object":"event","api_version":"2023-10-16","created":%d,"type":"checkout.session.completed",
			"data":{"object":{"id":"cs_test_1","object":"checkout.session","mode":"subscription","customer":%q,"subscription":"sub_b",
			"payment_status":"paid","client_reference_id":"%d","metadata":{"account_id":"%d","plan_code":"basic"}}}}`, now.Unix(), p.StripeCustomerID, acct, acct),
		fmt.Sprintf(`{"id":"evt_b2","object":"event","api_version":"2023-10-16","created":%d,"type":"customer.subscription.created",
			"data":{"object":{"id":"sub_b","object":"subscription","customer":%q,"status":"active",
			"current_period_start":%d,"current_period_end":%d,"metadata":{"account_id":"%d","plan_code":"basic"},
			"items":{"object":"list","data":[{"id":"si_b","object":"subscription_item","price":{"id":"price_basic_y","object":"price"}}]}}}}`,
			now.Unix()+1, p.StripeCustomerID, now.Unix(), now.AddDate(1, 0, 0).Unix(), acct),
	} {
		postWebhook(t, f, ev, now)
	}

	Do(t, tab, chromedp.Navigate(fmt.Sprintf("%s/billing?account=%d&checkout=success&session_id=cs_test_1", f.URL, acct)))
	waitFor(t, tab, "the Basic plan", `document.querySelector('[data-checkout=success]') !== null && document.querySelector('[data-plan=basic]') !== null`)
	limits := Eval[string](t, tab, `document.querySelector('[data-limits]').innerText`)
	for _, want := range []string{"50,000 events a month", "5 sites", "3 team members", "10 alert rules", "3 years"} {
		if !strings.Contains(limits, want) {
			t.Errorf("limits after the upgrade %q, want %q", limits, want)
		}
	}
	if Eval[bool](t, tab, `document.querySelector('[data-upgrade]') !== null`) {
		t.Error("Upgrade buttons remain while subscribed: plan changes go through the portal")
	}
	if !Eval[bool](t, tab, `document.querySelector('[data-portal]') !== null`) {
		t.Error("no Manage billing button for a customer")
	}

	// A failed payment: the banner shows on every page, linking here.
	fail := fmt.Sprintf(`{"id":"evt_b3","object":"event","api_version":"2023-10-16","created":%d,"type":"invoice.payment_failed",
		"data":{"object":{"id":"in_b","object":"invoice","customer":%q,"attempt_count":1}}}`, now.Unix()+2, p.StripeCustomerID)
	postWebhook(t, f, fail, now)
	Do(t, tab, chromedp.Navigate(f.URL+"/sites"))
	waitFor(t, tab, "the payment banner", `document.querySelector('[data-billing-banner=payment] a[href^="/billing?account="]') !== null`)
	pe.check(t)
}

// TestBillingOffSelfHosted: a self-hosted server has no Billing entry and
// its /billing page says billing is off.
func TestBillingOffSelfHosted(t *testing.T) {
	f := StartFootfall(t, assets, "example.com")
	hash, err := auth.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.App.DB.SetPassword(t.Context(), f.Sites["example.com"].OwnerID, hash); err != nil {
		t.Fatal(err)
	}
	tab := Browser(t, Options{Width: 1024, Height: 800, Human: true})
	signIn(t, tab, f, "/billing")
	waitFor(t, tab, "billing is off", `document.querySelector('[data-billing=off]') !== null`)
	if Eval[bool](t, tab, `[...document.querySelectorAll('.topbar nav a')].some((a) => a.getAttribute('href') === '/billing')`) {
		t.Error("a Billing entry in the nav of a self-hosted server")
	}
}

func postWebhook(t *testing.T, f *Footfall, ev string, at time.Time) {
	t.Helper()
	s := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(ev), Secret: billingWebhookSecret, Timestamp: at})
	req, _ := http.NewRequestWithContext(context.Background(), "POST", f.URL+"/webhooks/stripe", strings.NewReader(string(s.Payload)))
	req.Header.Set("Stripe-Signature", s.Header)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("webhook %s = %d", ev[:40], res.StatusCode)
	}
}

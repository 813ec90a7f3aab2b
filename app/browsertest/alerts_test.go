package browsertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/store"
)

// TestAlertsAndJobsUI drives a site's report, channel and rule settings
// as a person would: a report subscription, an email channel whose test
// notification arrives at a real SMTP server, a webhook to a private
// address whose test is refused in words (the SSRF guard), a rule created
// and edited; then the staff Jobs page listing the runs of the app's own
// scheduler.
func TestAlertsAndJobsUI(t *testing.T) {
	smtp := mailtest.Start(t)
	f := StartFootfallEnv(t, assets, []string{"FOOTFALL_SMTP_URL=" + smtp.URL(), "FOOTFALL_MAIL_FROM=footfall@example.com"}, "example.com")
	ctx := t.Context()
	site := f.Sites["example.com"]
	hash, err := auth.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.App.DB.SetPassword(ctx, site.OwnerID, hash); err != nil {
		t.Fatal(err)
	}
	// The app's scheduler, as serve runs it: rollup runs at start.
	sc, err := f.App.NewScheduler()
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Shutdown() })
	f.App.Scheduler = sc

	tab := Browser(t, Options{Width: 1100, Height: 900, Human: true})
	pe := watchErrors(t, tab)
	signIn(t, tab, f, "/example.com/settings")

	// A report subscription.
	waitFor(t, tab, "the reports section", `document.querySelector('input[name=report_email]') !== null`)
	setField(t, tab, `input[name=report_email]`, "boss@example.com", "input")
	setField(t, tab, `select[name=report_frequency]`, "monthly", "change")
	Do(t, tab, chromedp.Click(`#s-reports ~ form button[type=submit]`))
	waitFor(t, tab, "the subscription", `document.querySelector('[data-subscription="boss@example.com monthly"]') !== null`)
	subs, err := f.App.DB.ListReportSubscriptions(ctx, site.ID)
	if err != nil || len(subs) != 1 || subs[0].Email != "boss@example.com" || subs[0].Frequency != store.ReportMonthly {
		t.Errorf("subscriptions = %+v, %v; want boss@example.com monthly", subs, err)
	}

	// An email channel: a bad address is refused in words, a good one
	// gets the test notification.
	addChannel := func(kind, name, target string) {
		setField(t, tab, `select[name=channel_kind]`, kind, "change")
		setField(t, tab, `input[name=channel_name]`, name, "input")
		setField(t, tab, `input[name=channel_target]`, target, "input")
		Do(t, tab, chromedp.Click(`#s-channels ~ form button[type=submit]`))
	}
	addChannel("email", "ops", "not an address")
	waitFor(t, tab, "the refusal", `document.querySelector('#s-channels ~ form .error') !== null`)
	if msg := Eval[string](t, tab, `document.querySelector('#s-channels ~ form .error').innerText`); !strings.Contains(msg, "is not an email address") {
		t.Errorf("bad address shows %q", msg)
	}
	addChannel("email", "ops", "ops@example.com")
	waitFor(t, tab, "the email channel", `document.querySelector('[data-channel=ops] button') !== null`)
	Do(t, tab, chromedp.Click(`[data-channel=ops] .row-actions button`))
	waitFor(t, tab, "the test's outcome", `document.querySelector('[data-channel=ops] .test-result[data-status=ok]') !== null`)
	// (Signing in sent the owner a security notice: look for ops' mail.)
	var got *mailtest.Received
	for deadline := time.Now().Add(10 * time.Second); got == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == "ops@example.com" {
				got = &m
			}
		}
	}
	if got == nil || got.Subject != "[Footfall] Test notification" || !strings.Contains(got.Text, "alerts of example.com reach this channel") {
		t.Errorf("the test notification did not arrive at ops@example.com: %+v", got)
	}
	waitFor(t, tab, "the delivery log", `document.querySelector('table.deliveries tr[data-event=test][data-status=ok]') !== null`)

	// A webhook: its secret shown once; a private address is refused when
	// the test tries to connect, and the page says so.
	addChannel("webhook", "hook", "https://127.0.0.1:9/footfall")
	waitFor(t, tab, "the webhook's secret", `document.querySelector('.new-key pre') !== null && document.querySelector('[data-channel=hook]') !== null`)
	secret := Eval[string](t, tab, `document.querySelector('.new-key pre').innerText`)
	chs, err := f.App.DB.ListAlertChannels(ctx, site.ID)
	if err != nil || len(chs) != 2 || chs[1].Secret != secret || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("channels = %+v, %v; the page showed secret %q", chs, err, secret)
	}
	if Eval[bool](t, tab, fmt.Sprintf(`document.querySelector('[data-channel=hook]').innerText.includes(%q)`, secret)) {
		t.Error("the channel list shows the webhook's secret")
	}
	Do(t, tab, chromedp.Click(`[data-channel=hook] .row-actions button`))
	waitFor(t, tab, "the refused test", `document.querySelector('[data-channel=hook] .test-result[data-status=failed]') !== null`)
	if msg := Eval[string](t, tab, `document.querySelector('[data-channel=hook] .test-result').innerText`); !strings.Contains(msg, "refused to connect to a private") {
		t.Errorf("refused webhook test shows %q", msg)
	}

	// A rule sent to the email channel only; then edited.
	setField(t, tab, `select[name=rule_kind]`, "traffic_spike", "change")
	setField(t, tab, `input[name=rule_name]`, "Launch day", "input")
	setField(t, tab, `input[name=param_visitors]`, "50", "input")
	Do(t, tab, chromedp.Click(fmt.Sprintf(`input[name=rule_channel][value="%d"]`, chs[0].ID)),
		chromedp.Click(`.rule-form button[type=submit]`))
	waitFor(t, tab, "the rule", `document.querySelector('[data-rule="Launch day"] [data-state=quiet]') !== null`)
	Do(t, tab, chromedp.Click(`[data-rule="Launch day"] .row-actions button`))
	waitFor(t, tab, "the rule's form", `document.querySelector('input[name=param_visitors]').value === '50' && document.querySelector('select[name=rule_kind]').disabled`)
	setField(t, tab, `input[name=param_visitors]`, "80", "input")
	Do(t, tab, chromedp.Click(`.rule-form button[type=submit]`))
	waitFor(t, tab, "the edited rule", `document.querySelector('[data-rule="Launch day"]').innerText.includes('more than 80 current visitors')`)
	rules, err := f.App.DB.ListAlertRules(ctx, site.ID)
	if err != nil || len(rules) != 1 || rules[0].Kind != "traffic_spike" || len(rules[0].ChannelIDs) != 1 || rules[0].ChannelIDs[0] != chs[0].ID {
		t.Fatalf("rules = %+v, %v", rules, err)
	}
	var p struct{ Visitors int }
	if err := json.Unmarshal([]byte(rules[0].Params), &p); err != nil || p.Visitors != 80 {
		t.Errorf("rule params = %s, want visitors 80", rules[0].Params)
	}

	shot(t, tab, "alerts-settings")

	// The staff Jobs page, once rollup has run.
	deadline := time.Now().Add(20 * time.Second)
	for {
		runs, err := f.App.DB.JobRuns(ctx, "rollup", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Status == store.JobOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rollup runs: %+v", runs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	staffTwoFactor(t, f.App.DB, site.OwnerID) // staff pages need it
	Do(t, tab, chromedp.Navigate(f.URL+"/admin/jobs"))
	waitFor(t, tab, "the jobs", `document.querySelector('tr[data-job=rollup][data-status=ok]') !== null`)
	st, err := sc.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := Eval[int](t, tab, `document.querySelectorAll('tr[data-job]').length`); n != len(st) {
		t.Errorf("the page lists %d jobs, the scheduler has %d", n, len(st))
	}
	row := Eval[string](t, tab, `document.querySelector('tr[data-job=rollup]').innerText`)
	if !strings.Contains(row, "every 1h") || !strings.Contains(row, "ok") {
		t.Errorf("rollup row = %q, want its schedule and status", row)
	}
	if n := Eval[int](t, tab, `document.querySelectorAll('tr[data-job=rollup] .job-runs li[data-status=ok]').length`); n < 1 {
		t.Errorf("rollup history lists %d ok runs", n)
	}
	shot(t, tab, "jobs")
	pe.check(t)
}

package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/alerts"
	"github.com/footfallhq/footfall/app/mail/mailtest"
)

// TestAlertsAPI drives the alerts and reports API end to end: channels
// (email to a real SMTP server, a signed webhook to a local receiver),
// their test notifications and the delivery log, rules, report
// subscriptions, a report sent with its one-click unsubscribe, and the
// answers to bad input and to other users.
func TestAlertsAPI(t *testing.T) {
	smtp := mailtest.Start(t)
	var (
		mu   sync.Mutex
		hook []*http.Request
		body [][]byte
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hook, body = append(hook, r), append(body, b)
		mu.Unlock()
	}))
	defer recv.Close()
	ta := newTestApp(t, true, "FOOTFALL_SMTP_URL="+smtp.URL(), "FOOTFALL_MAIL_FROM=footfall@example.com",
		"FOOTFALL_ALERTS_ALLOW_PRIVATE=true", "FOOTFALL_BASE_URL=https://stats.example.test")
	admin := []string{"Authorization", "Bearer " + ta.admin, "Content-Type", "application/json"}
	other := []string{"Authorization", "Bearer " + ta.user, "Content-Type", "application/json"}

	// Channels.
	r := ta.do(t, "POST", "/api/v1/sites/alerts/channels", `{"site_id":"example.com","kind":"email","name":"team","target":"Ops@Example.com, dev@example.com"}`, admin...)
	if r.status != 201 {
		t.Fatalf("create email channel = %d %s", r.status, r.body)
	}
	var email struct{ ID int64 }
	json.Unmarshal([]byte(r.body), &email)
	r = ta.do(t, "POST", "/api/v1/sites/alerts/channels", `{"site_id":"example.com","kind":"webhook","target":"`+recv.URL+`/hook"}`, admin...)
	var webhook struct {
		ID     int64
		Secret string
	}
	if r.status != 201 || json.Unmarshal([]byte(r.body), &webhook) != nil || !strings.HasPrefix(webhook.Secret, "whsec_") {
		t.Fatalf("create webhook channel = %d %s, want a generated secret", r.status, r.body)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"site_id":"example.com","kind":"email","target":"not an address"}`, "invalid_channel"},
		{`{"site_id":"example.com","kind":"pager","target":"x"}`, "invalid_channel"},
		{`{"site_id":"example.com","kind":"webhook","target":"ftp://x"}`, "invalid_channel"},
		{`{"site_id":"example.com","kind":"email","target":"a@b.c","bogus":1}`, "invalid_request"},
		{`{"site_id":"example.com","kind":`, "invalid_request"},
	} {
		if r := ta.do(t, "POST", "/api/v1/sites/alerts/channels", tc.body, admin...); r.status != 400 || !strings.Contains(r.body, tc.want) {
			t.Errorf("POST channels %s = %d %s, want 400 %s", tc.body, r.status, r.body, tc.want)
		}
	}
	if r := ta.do(t, "GET", "/api/v1/sites/alerts/channels?site_id=example.com", "", other...); r.status != 404 {
		t.Errorf("another user's GET channels = %d %s, want 404", r.status, r.body)
	}
	if r := ta.do(t, "GET", "/api/v1/sites/alerts/channels?site_id=example.com", ""); r.status != 401 {
		t.Errorf("anonymous GET channels = %d, want 401", r.status)
	}

	// Test notifications: a real email, a signed webhook request.
	r = ta.do(t, "POST", "/api/v1/sites/alerts/channels/"+itoa(email.ID)+"/test?site_id=example.com", "", admin...)
	if r.status != 200 || !strings.Contains(r.body, `"status":"ok"`) {
		t.Fatalf("test email channel = %d %s", r.status, r.body)
	}
	msgs := smtp.Wait(t, 1)
	if got := strings.Join(msgs[0].To, ","); got != "ops@example.com,dev@example.com" || !strings.Contains(msgs[0].Subject, "Test notification") ||
		!strings.Contains(msgs[0].Text, "alerts of example.com reach this channel") {
		t.Errorf("test email to %s: %q\n%s", got, msgs[0].Subject, msgs[0].Text)
	}
	r = ta.do(t, "POST", "/api/v1/sites/alerts/channels/"+itoa(webhook.ID)+"/test?site_id=example.com", "", admin...)
	if r.status != 200 || !strings.Contains(r.body, `"status":"ok"`) {
		t.Fatalf("test webhook channel = %d %s", r.status, r.body)
	}
	mu.Lock()
	if len(hook) != 1 || alerts.Verify(webhook.Secret, hook[0].Header.Get(alerts.SignatureHeader), body[0], time.Minute, time.Now()) != nil ||
		!strings.Contains(string(body[0]), `"event":"test"`) {
		t.Errorf("webhook got %d requests; body %s", len(hook), body)
	}
	mu.Unlock()
	if r := ta.do(t, "POST", "/api/v1/sites/alerts/channels/999/test?site_id=example.com", "", admin...); r.status != 404 {
		t.Errorf("test of a missing channel = %d", r.status)
	}
	r = ta.do(t, "GET", "/api/v1/sites/alerts/deliveries?site_id=example.com", "", admin...)
	if r.status != 200 || strings.Count(r.body, `"event":"test"`) != 2 {
		t.Errorf("delivery log = %d %s", r.status, r.body)
	}

	// Rules.
	r = ta.do(t, "POST", "/api/v1/sites/alerts/rules", `{"site_id":"example.com","kind":"traffic_spike","name":"viral","params":{"visitors":50},"channel_ids":[`+itoa(webhook.ID)+`]}`, admin...)
	if r.status != 201 || !strings.Contains(r.body, `"cooldown_minutes":60`) || !strings.Contains(r.body, `"enabled":true`) {
		t.Fatalf("create rule = %d %s", r.status, r.body)
	}
	var rule struct{ ID int64 }
	json.Unmarshal([]byte(r.body), &rule)
	for _, b := range []string{
		`{"site_id":"example.com","kind":"traffic_spike","params":{}}`,
		`{"site_id":"example.com","kind":"goal_conversions","params":{"goal":"Nope","count":1,"hours":1}}`,
		`{"site_id":"example.com","kind":"traffic_spike","params":{"visitors":5},"channel_ids":[12345]}`,
		`{"site_id":"example.com","kind":"traffic_spike","params":{"visitors":5},"cooldown_minutes":-1}`,
	} {
		if r := ta.do(t, "POST", "/api/v1/sites/alerts/rules", b, admin...); r.status != 400 || !strings.Contains(r.body, `"error"`) {
			t.Errorf("POST rules %s = %d %s, want 400", b, r.status, r.body)
		}
	}
	r = ta.do(t, "PUT", "/api/v1/sites/alerts/rules/"+itoa(rule.ID), `{"site_id":"example.com","name":"viral","params":{"visitors":80},"enabled":false,"cooldown_minutes":5}`, admin...)
	if r.status != 200 || !strings.Contains(r.body, `"visitors":80`) || !strings.Contains(r.body, `"enabled":false`) {
		t.Errorf("PUT rule = %d %s", r.status, r.body)
	}
	if r := ta.do(t, "PUT", "/api/v1/sites/alerts/rules/"+itoa(rule.ID), `{"site_id":"example.com","params":{"visitors":80}}`, other...); r.status != 404 {
		t.Errorf("another user's PUT rule = %d", r.status)
	}
	if r := ta.do(t, "GET", "/api/v1/sites/alerts/rules?site_id=example.com", "", admin...); r.status != 200 || !strings.Contains(r.body, `"kind":"traffic_spike"`) {
		t.Errorf("GET rules = %d %s", r.status, r.body)
	}
	if r := ta.do(t, "DELETE", "/api/v1/sites/alerts/rules/"+itoa(rule.ID)+"?site_id=example.com", "", admin...); r.status != 200 {
		t.Errorf("DELETE rule = %d %s", r.status, r.body)
	}
	if r := ta.do(t, "DELETE", "/api/v1/sites/alerts/rules/"+itoa(rule.ID)+"?site_id=example.com", "", admin...); r.status != 404 {
		t.Errorf("DELETE rule again = %d %s", r.status, r.body)
	}

	// Report subscriptions, a report sent, and its unsubscribe link.
	r = ta.do(t, "POST", "/api/v1/sites/reports", `{"site_id":"example.com","email":"Boss@Example.com","frequency":"weekly"}`, admin...)
	if r.status != 201 || !strings.Contains(r.body, `"email":"boss@example.com"`) {
		t.Fatalf("subscribe = %d %s", r.status, r.body)
	}
	if r := ta.do(t, "POST", "/api/v1/sites/reports", `{"site_id":"example.com","email":"boss@example.com","frequency":"weekly"}`, admin...); r.status != 409 {
		t.Errorf("subscribing twice = %d %s, want 409", r.status, r.body)
	}
	if r := ta.do(t, "POST", "/api/v1/sites/reports", `{"site_id":"example.com","email":"boss@example.com","frequency":"hourly"}`, admin...); r.status != 400 {
		t.Errorf("hourly = %d %s, want 400", r.status, r.body)
	}
	sender, err := ta.ReportSender()
	if err != nil {
		t.Fatal(err)
	}
	sender.Now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) } // a week on: last week's report is due
	if err := sender.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs = smtp.Wait(t, 2)
	report := msgs[1]
	if report.To[0] != "boss@example.com" || !strings.Contains(report.Subject, "example.com: your weekly report") {
		t.Fatalf("report to %v: %q", report.To, report.Subject)
	}
	link := strings.Trim(report.Headers.Get("List-Unsubscribe"), "<>")
	if report.Headers.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.HasPrefix(link, "https://stats.example.test/api/reports/unsubscribe?t=") {
		t.Fatalf("List-Unsubscribe %q, -Post %q", link, report.Headers.Get("List-Unsubscribe-Post"))
	}
	u, _ := url.Parse(link)
	local := u.Path + "?" + u.RawQuery
	if r := ta.do(t, "GET", local, ""); r.status != 200 || !strings.Contains(r.body, "<form method=\"post\">") {
		t.Errorf("GET unsubscribe = %d %s", r.status, r.body)
	}
	if subs, _ := ta.DB.ListReportSubscriptions(context.Background(), ta.site.ID); len(subs) != 1 {
		t.Fatalf("a GET unsubscribed (%d subscriptions left)", len(subs))
	}
	if r := ta.do(t, "POST", local, "List-Unsubscribe=One-Click", "Content-Type", "application/x-www-form-urlencoded"); r.status != 200 || !strings.Contains(r.body, "Unsubscribed") {
		t.Errorf("one-click unsubscribe = %d %s", r.status, r.body)
	}
	if subs, _ := ta.DB.ListReportSubscriptions(context.Background(), ta.site.ID); len(subs) != 0 {
		t.Errorf("after unsubscribing: %+v", subs)
	}
	if r := ta.do(t, "POST", local, ""); r.status != 200 {
		t.Errorf("unsubscribing again = %d", r.status)
	}
	if r := ta.do(t, "POST", u.Path+"?t=forged.token", ""); r.status != 400 || !strings.Contains(r.body, "invalid_token") {
		t.Errorf("forged token = %d %s", r.status, r.body)
	}
	// The report's chart link serves a PNG.
	chart := report.HTML[strings.Index(report.HTML, "https://stats.example.test/api/reports/chart.png?t="):]
	chart = strings.ReplaceAll(chart[:strings.Index(chart, `"`)], "&amp;", "&")
	cu, _ := url.Parse(chart)
	if r := ta.do(t, "GET", cu.Path+"?"+cu.RawQuery, ""); r.status != 200 || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("chart = %d %s", r.status, r.header.Get("Content-Type"))
	}

	// Staff: the operator test goes to the administrators, who need
	// two-factor sign-in for staff routes.
	ta.staff2FA(t, "admin@example.com")
	if r := ta.do(t, "POST", "/api/admin/alerts/test", "", other...); r.status != 403 {
		t.Errorf("non-staff operator test = %d", r.status)
	}
	if r := ta.do(t, "POST", "/api/admin/alerts/test", "", admin...); r.status != 200 || !strings.Contains(r.body, `"status":"ok"`) {
		t.Errorf("operator test = %d %s", r.status, r.body)
	}
	if msgs := smtp.Wait(t, 3); msgs[2].To[0] != "admin@example.com" {
		t.Errorf("operator test went to %v", msgs[2].To)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

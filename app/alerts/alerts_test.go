package alerts_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/alerts"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/sqlite"
)

// now is the fixed moment the rules are evaluated at.
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fixture is an app store and an events store with seeded traffic of known
// shape on five sites.
type fixture struct {
	db     *sqlite.Store
	events *duckdb.Store
	sites  map[string]store.Site
	next   uint64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ev, err := duckdb.Open(ctx, "", duckdb.Options{Threads: 2, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	f := &fixture{db: db, events: ev, sites: map[string]store.Site{}}
	for _, d := range []string{"spike.test", "drop.test", "quiet.test", "vitals.test", "steady.test"} {
		s, err := db.CreateSite(ctx, store.Site{Domain: d, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		f.sites[d] = s
	}
	if _, err := db.CreateGoal(ctx, store.SiteGoal{SiteID: f.sites["spike.test"].ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}}); err != nil {
		t.Fatal(err)
	}
	var evs []store.Event
	// spike.test: 150 visitors in the last five minutes, 12 signups today.
	for i := range 150 {
		evs = append(evs, f.event("spike.test", now.Add(-4*time.Minute+time.Duration(i)*time.Second), "pageview"))
	}
	for i := range 12 {
		evs = append(evs, f.event("spike.test", now.Add(-time.Duration(i+1)*time.Hour), "Signup"))
	}
	// drop.test: 40 pageviews in this hour of the week for four weeks, 10
	// in the last hour.
	for w := 1; w <= 4; w++ {
		for i := range 40 {
			evs = append(evs, f.event("drop.test", now.AddDate(0, 0, -7*w).Add(-time.Hour+time.Duration(i)*time.Minute), "pageview"))
		}
	}
	for i := range 10 {
		evs = append(evs, f.event("drop.test", now.Add(-50*time.Minute+time.Duration(i)*time.Minute), "pageview"))
	}
	// quiet.test: traffic until 07:30, nothing since.
	for i := range 20 {
		evs = append(evs, f.event("quiet.test", now.Add(-20*time.Hour-20*time.Minute+time.Duration(i)*50*time.Minute), "pageview"))
	}
	// vitals.test: LCP 2 s the week before, 3 s this week; INP 600 ms
	// (poor); CLS 0.05.
	for i := range 20 {
		prev := f.event("vitals.test", now.AddDate(0, 0, -10).Add(time.Duration(i)*time.Minute), "pageview")
		prev.LCPms, prev.INPms, prev.CLS, prev.HasCLS = 2000, 100, 0.05, true
		cur := f.event("vitals.test", now.AddDate(0, 0, -2).Add(time.Duration(i)*time.Minute), "pageview")
		cur.LCPms, cur.INPms, cur.CLS, cur.HasCLS = 3000, 600, 0.05, true
		evs = append(evs, prev, cur)
	}
	// steady.test: 40 pageviews an hour, every hour of the last five weeks.
	for h := 0; h < 35*24; h++ {
		for i := range 40 {
			evs = append(evs, f.event("steady.test", now.Add(-time.Duration(h+1)*time.Hour+time.Duration(i)*time.Minute), "pageview"))
		}
	}
	if err := ev.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	return f
}

// event is one event of a new visitor and visit.
func (f *fixture) event(domain string, ts time.Time, name string) store.Event {
	f.next++
	return store.Event{Timestamp: ts, SiteID: f.sites[domain].ID, VisitorID: f.next, SessionID: f.next, Name: name,
		Hostname: domain, Pathname: "/", EntryPage: "/", ScrollDepth: -1, Device: "desktop"}
}

func (f *fixture) goals(t *testing.T, domain string) []store.Goal {
	stored, err := f.db.ListGoals(t.Context(), f.sites[domain].ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Goal
	for _, g := range stored {
		out = append(out, g.Goal)
	}
	return out
}

// TestRulesOnSeededData checks each rule kind against traffic whose answer
// is known.
func TestRulesOnSeededData(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		site, kind, params string
		firing             bool
		value, threshold   float64
		summary            string
	}{
		{"spike.test", alerts.KindSpike, `{"visitors": 100}`, true, 150, 100, "150 current visitors (alert above 100)"},
		{"spike.test", alerts.KindSpike, `{"visitors": 200}`, false, 150, 200, ""},
		{"steady.test", alerts.KindSpike, `{"visitors": 10}`, false, 0, 10, ""},
		{"drop.test", alerts.KindDrop, `{"percent": 50}`, true, 10, 20, "10 pageviews in the last hour, 25% of the usual 40"},
		{"drop.test", alerts.KindDrop, `{"percent": 20}`, false, 10, 8, ""},
		{"drop.test", alerts.KindDrop, `{"percent": 50, "min_usual": 50}`, false, 10, 20, ""},
		{"steady.test", alerts.KindDrop, `{"percent": 50}`, false, 40, 20, "100% of the usual 40"},
		{"quiet.test", alerts.KindDrop, `{"hours": 3}`, true, 0, 3, "no pageviews in the last 3 hours"},
		{"quiet.test", alerts.KindDrop, `{"hours": 6}`, false, 2, 6, ""},
		{"spike.test", alerts.KindGoal, `{"goal": "Signup", "count": 10, "hours": 24}`, true, 12, 10, `12 conversions of "Signup" in the last 24 hours`},
		{"spike.test", alerts.KindGoal, `{"goal": "Signup", "count": 10, "hours": 6}`, false, 6, 10, ""},
		{"vitals.test", alerts.KindVitals, `{"metric": "lcp", "worsen_percent": 20}`, true, 3000, 2400, "p75 LCP is 3.0 s over the last 7 days, 50% worse than the 7 days before (2.0 s)"},
		{"vitals.test", alerts.KindVitals, `{"metric": "lcp", "worsen_percent": 60}`, false, 3000, 4000, ""},
		{"vitals.test", alerts.KindVitals, `{"metric": "lcp"}`, false, 3000, 4000, ""},
		{"vitals.test", alerts.KindVitals, `{"metric": "inp"}`, true, 600, 500, "p75 INP is 600 ms over the last 7 days: poor (above 500 ms)"},
		{"vitals.test", alerts.KindVitals, `{"metric": "cls", "worsen_percent": 10}`, false, 0.05, 0.25, ""},
		{"quiet.test", alerts.KindTrackerMissing, `{"hours": 4}`, true, 0, 4, "last seen in the hour of 2026-11-23 07:00 UTC"},
		{"quiet.test", alerts.KindTrackerMissing, `{"hours": 5}`, false, 1, 5, ""},
		{"steady.test", alerts.KindTrackerMissing, `{"hours": 1}`, false, 40, 1, ""},
	} {
		t.Run(tc.site+"/"+tc.kind+tc.params, func(t *testing.T) {
			site := f.sites[tc.site]
			goals := f.goals(t, tc.site)
			var names []string
			for _, g := range goals {
				names = append(names, g.Name)
			}
			p, err := alerts.ParseParams(tc.kind, []byte(tc.params), names)
			if err != nil {
				t.Fatalf("ParseParams: %v", err)
			}
			v, err := alerts.Check(t.Context(), f.events, site, goals, tc.kind, p, now)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if v.Firing != tc.firing || v.Value != tc.value || (tc.threshold != 0 && v.Threshold != tc.threshold) {
				t.Errorf("Check = %+v, want firing %v value %v threshold %v", v, tc.firing, tc.value, tc.threshold)
			}
			if !strings.Contains(v.Summary, tc.summary) {
				t.Errorf("summary %q, want it to contain %q", v.Summary, tc.summary)
			}
		})
	}
}

func TestParseParamsRejects(t *testing.T) {
	for _, tc := range []struct{ kind, params string }{
		{"nope", `{}`},
		{alerts.KindSpike, `{}`},
		{alerts.KindSpike, `{"visitors": -1}`},
		{alerts.KindSpike, `{"visitors": 5, "extra": 1}`},
		{alerts.KindSpike, `[1]`},
		{alerts.KindDrop, `{}`},
		{alerts.KindDrop, `{"percent": 100}`},
		{alerts.KindDrop, `{"hours": 1000}`},
		{alerts.KindGoal, `{"goal": "Missing", "count": 1, "hours": 1}`},
		{alerts.KindGoal, `{"goal": "Signup", "count": 0, "hours": 1}`},
		{alerts.KindVitals, `{"metric": "fid"}`},
		{alerts.KindVitals, `{"metric": "lcp", "days": 90}`},
		{alerts.KindTrackerMissing, `{}`},
	} {
		if _, err := alerts.ParseParams(tc.kind, []byte(tc.params), []string{"Signup"}); err == nil {
			t.Errorf("ParseParams(%s, %s) = nil error, want one", tc.kind, tc.params)
		}
	}
}

// receiver is an HTTPS webhook endpoint that records what it receives and
// fails the first failures requests with 503.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	failures int
	got      []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, failures int) *receiver {
	r := &receiver{failures: failures}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, received{req.Header.Clone(), body})
		if r.failures > 0 {
			r.failures--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// client trusts the receiver's certificate; allowPrivate decides whether
// the SSRF guard lets it reach 127.0.0.1.
func (r *receiver) client(allowPrivate bool) *http.Client {
	c := alerts.NewHTTPClient(allowPrivate, 5*time.Second)
	c.Transport.(*http.Transport).TLSClientConfig = r.srv.Client().Transport.(*http.Transport).TLSClientConfig
	return c
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestEvaluatorOneAlertOneRecovery: an incident sends one alert however
// often it is evaluated, one "recovered" when it ends, and none while the
// rule cools down afterwards.
func TestEvaluatorOneAlertOneRecovery(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	recv := newReceiver(t, 0)
	site := f.sites["spike.test"]
	ch, err := f.db.CreateAlertChannel(ctx, store.AlertChannel{SiteID: site.ID, Kind: store.ChannelWebhook, Target: recv.srv.URL + "/hook", Secret: "whsec"})
	if err != nil {
		t.Fatal(err)
	}
	rule, err := f.db.CreateAlertRule(ctx, store.AlertRule{SiteID: site.ID, Kind: alerts.KindSpike, Name: "viral", Params: `{"visitors": 100}`,
		Enabled: true, Cooldown: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// A disabled rule that would fire, and one of another site: neither
	// reaches this channel.
	if _, err := f.db.CreateAlertRule(ctx, store.AlertRule{SiteID: site.ID, Kind: alerts.KindSpike, Params: `{"visitors": 1}`}); err != nil {
		t.Fatal(err)
	}
	clock := now
	ev := &alerts.Evaluator{DB: f.db, Events: f.events, BaseURL: "https://stats.example.test", Logger: quiet(), Now: func() time.Time { return clock },
		Notifier: &alerts.Notifier{Log: f.db, HTTP: recv.client(true), Backoff: time.Millisecond, Logger: quiet(), Now: func() time.Time { return clock }}}

	for range 3 {
		if err := ev.Run(ctx); err != nil {
			t.Fatalf("Run: %v", err)
		}
	}
	got := recv.requests()
	if len(got) != 1 {
		t.Fatalf("after three evaluations of one spike: %d webhook requests, want 1", len(got))
	}
	checkPayload(t, got[0], "whsec", clock, "alert", rule.ID)

	clock = now.Add(10 * time.Minute) // the spike is over
	for range 2 {
		if err := ev.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got = recv.requests()
	if len(got) != 2 {
		t.Fatalf("after the spike ended: %d requests, want 2", len(got))
	}
	p := checkPayload(t, got[1], "whsec", clock, "recovered", rule.ID)
	if p.ResolvedAt == nil || !p.ResolvedAt.Equal(clock) || p.StartedAt == nil || !p.StartedAt.Equal(now) {
		t.Errorf("recovered payload %+v: want started %v, resolved %v", p, now, clock)
	}

	// Another spike 20 minutes later: within the hour's cool-down, silent.
	more := make([]store.Event, 0, 120)
	for i := range 120 {
		more = append(more, f.event("spike.test", now.Add(18*time.Minute+time.Duration(i)*time.Second), "pageview"))
	}
	if err := f.events.Append(ctx, more); err != nil {
		t.Fatal(err)
	}
	clock = now.Add(21 * time.Minute)
	if err := ev.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(recv.requests()); n != 2 {
		t.Errorf("a spike during the cool-down sent a notification (%d requests, want 2)", n)
	}
	// After the cool-down the same condition is a new incident.
	clock = now.Add(10*time.Minute + time.Hour + time.Second)
	more = more[:0]
	for i := range 120 {
		more = append(more, f.event("spike.test", clock.Add(-3*time.Minute+time.Duration(i)*time.Second), "pageview"))
	}
	if err := f.events.Append(ctx, more); err != nil {
		t.Fatal(err)
	}
	if err := ev.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := recv.requests(); len(got) != 3 {
		t.Errorf("after the cool-down: %d requests, want 3", len(got))
	}
	log, err := f.db.ListDeliveries(ctx, site.ID, 10)
	if err != nil || len(log) != 3 || log[0].ChannelID != ch.ID || log[0].Status != store.DeliveryOK || log[1].Event != store.DeliveryRecovered {
		t.Errorf("delivery log = %+v, %v", log, err)
	}
	incidents, _ := f.db.ListIncidents(ctx, site.ID, 10)
	if len(incidents) != 2 || incidents[1].ResolvedAt.IsZero() || !incidents[0].ResolvedAt.IsZero() {
		t.Errorf("incidents = %+v, want a resolved one and an open one", incidents)
	}
}

// checkPayload verifies a webhook request's signature and decodes it.
func checkPayload(t *testing.T, r received, secret string, at time.Time, event string, ruleID int64) alerts.WebhookPayload {
	t.Helper()
	if err := alerts.Verify(secret, r.header.Get(alerts.SignatureHeader), r.body, 5*time.Minute, at); err != nil {
		t.Errorf("signature %q: %v", r.header.Get(alerts.SignatureHeader), err)
	}
	if err := alerts.Verify("other", r.header.Get(alerts.SignatureHeader), r.body, 5*time.Minute, at); err == nil {
		t.Error("the signature verifies with another secret")
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var p alerts.WebhookPayload
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("payload %s: %v", r.body, err)
	}
	if p.Event != event || p.Rule == nil || p.Rule.ID != ruleID || p.Site != "spike.test" || p.URL != "https://stats.example.test/spike.test" {
		t.Errorf("payload %s: want event %s of rule %d", r.body, event, ruleID)
	}
	return p
}

// TestWebhookRetries: 503s are retried with backoff until the receiver
// takes the request; the delivery log has the attempts.
func TestWebhookRetries(t *testing.T) {
	recv := newReceiver(t, 2)
	db := newFixtureDB(t)
	n := &alerts.Notifier{Log: db, HTTP: recv.client(true), Backoff: 5 * time.Millisecond, Logger: quiet()}
	d := n.Send(t.Context(), store.AlertChannel{Kind: store.ChannelWebhook, Target: recv.srv.URL, Secret: "k"},
		alerts.Notification{Event: store.DeliveryTest, Title: "Test"})
	if d.Status != store.DeliveryOK || d.Attempts != 3 || d.StatusCode != 204 || d.ID == 0 {
		t.Errorf("delivery = %+v, want ok after 3 attempts", d)
	}
	got := recv.requests()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	for _, r := range got {
		if err := alerts.Verify("k", r.header.Get(alerts.SignatureHeader), r.body, time.Minute, time.Now()); err != nil {
			t.Errorf("attempt's signature: %v", err)
		}
	}

	// A receiver that keeps failing: the attempts run out.
	bad := newReceiver(t, 100)
	n = &alerts.Notifier{Log: db, HTTP: bad.client(true), Attempts: 3, Backoff: time.Millisecond, Logger: quiet()}
	d = n.Send(t.Context(), store.AlertChannel{Kind: store.ChannelSlack, Target: bad.srv.URL + "/services/T000/B000/XXXXXXXXXXXXXXXX"},
		alerts.Notification{Event: store.DeliveryAlert, Title: "Traffic spike on a.test", Summary: "<150> visitors", URL: "https://x.test/a.test"})
	if d.Status != store.DeliveryFailed || d.Attempts != 3 || d.StatusCode != 503 || !strings.Contains(d.Error, "503") {
		t.Errorf("delivery = %+v, want failed after 3 attempts", d)
	}
	if strings.Contains(d.Target, "XXXXXXXX") {
		t.Errorf("the delivery log shows the Slack URL's secret: %s", d.Target)
	}
	var slack map[string]string
	if err := json.Unmarshal(bad.requests()[0].body, &slack); err != nil || !strings.Contains(slack["text"], "&lt;150&gt; visitors") ||
		!strings.Contains(slack["text"], "<https://x.test/a.test|Open Footfall>") {
		t.Errorf("Slack body %v, %v", slack, err)
	}
}

// TestSSRFGuard: without the operator's permission a webhook cannot reach
// loopback, whether named by address or by a host name resolving to it
// (checked when dialling, so DNS rebinding cannot get past), and no retry
// is wasted on it.
func TestSSRFGuard(t *testing.T) {
	recv := newReceiver(t, 0)
	db := newFixtureDB(t)
	n := &alerts.Notifier{Log: db, HTTP: recv.client(false), Backoff: time.Millisecond, Logger: quiet()}
	port := recv.srv.URL[strings.LastIndex(recv.srv.URL, ":"):]
	for _, target := range []string{recv.srv.URL, "https://localhost" + port + "/x"} {
		d := n.Send(t.Context(), store.AlertChannel{Kind: store.ChannelWebhook, Target: target}, alerts.Notification{Event: store.DeliveryTest})
		if d.Status != store.DeliveryFailed || d.Attempts != 1 || !strings.Contains(d.Error, "refused to connect") {
			t.Errorf("Send(%s) = %+v, want refused", target, d)
		}
	}
	if got := recv.requests(); len(got) != 0 {
		t.Errorf("the receiver got %d requests through the guard", len(got))
	}
}

func TestPublicAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "2606:4700::1111": true, "8.8.8.8": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "255.255.255.255": false, "224.0.0.1": false, "198.18.0.1": false,
		"::1": false, "::": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
		"64:ff9b::a00:1": false, "2002:a00:1::": false, "ff02::1": false,
	} {
		ip, err := parseAddr(addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := alerts.PublicAddress(ip); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckWebhookURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://hooks.slack.com/services/T/B/X": true,
		"http://example.com/hook":                false,
		"https://user:pw@example.com/":           false,
		"/relative":                              false,
		"ftp://example.com":                      false,
		"https://":                               false,
	} {
		if _, err := alerts.CheckWebhookURL(raw, false); (err == nil) != ok {
			t.Errorf("CheckWebhookURL(%q) = %v, want ok %v", raw, err, ok)
		}
	}
	if _, err := alerts.CheckWebhookURL("http://10.0.0.5/hook", true); err != nil {
		t.Errorf("http with private addresses allowed: %v", err)
	}
}

func newFixtureDB(t *testing.T) *sqlite.Store {
	db, err := sqlite.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// FuzzVerify: a receiver's check of outside input never panics, and only
// the signature made for a body verifies it.
func FuzzVerify(f *testing.F) {
	at := time.Unix(1_790_000_000, 0)
	body := []byte(`{"event":"test"}`)
	f.Add(alerts.Sign("secret", at, body), body)
	f.Add("t=1790000000,v1=00", body)
	f.Add("t=,v1=", []byte{})
	f.Add("garbage", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, b []byte) {
		if alerts.Verify("secret", header, b, time.Minute, at) == nil && header != alerts.Sign("secret", at, b) &&
			!strings.Contains(header, alerts.Sign("secret", at, b)[len("t=1790000000,"):]) {
			t.Errorf("Verify accepted %q for %q", header, b)
		}
	})
}

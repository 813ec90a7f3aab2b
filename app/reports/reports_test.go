package reports_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/jobs"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/app/reports"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff):\n%s", name, got)
	}
}

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

func TestPeriods(t *testing.T) {
	now := time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC) // Monday 07:30 in Berlin
	for _, tc := range []struct {
		freq, from, to, label string
		due                   bool
	}{
		{store.ReportDaily, "2026-11-22", "2026-11-23", "Sunday 22 November 2026", true},
		{store.ReportWeekly, "2026-11-16", "2026-11-23", "16–22 November 2026", true},
		{store.ReportMonthly, "2026-10-01", "2026-11-01", "October 2026", true},
	} {
		p := reports.LastComplete(tc.freq, now, berlin)
		if got := p.From.Format(time.DateOnly) + " " + p.To.Format(time.DateOnly); got != tc.from+" "+tc.to {
			t.Errorf("LastComplete(%s) = %s, want %s %s", tc.freq, got, tc.from, tc.to)
		}
		if p.Label() != tc.label || p.Due(now) != tc.due {
			t.Errorf("%s: Label %q Due %v, want %q %v", tc.freq, p.Label(), p.Due(now), tc.label, tc.due)
		}
	}
	// 06:30 in Berlin on Monday: last week's report is not due until 07:00.
	early := time.Date(2026, 11, 23, 5, 30, 0, 0, time.UTC)
	if p := reports.LastComplete(store.ReportWeekly, early, berlin); p.Due(early) {
		t.Errorf("weekly report due at 06:30 local")
	}
	// A week across months and a previous month.
	p := reports.LastComplete(store.ReportWeekly, time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), time.UTC)
	if p.Label() != "23–29 November 2026" {
		t.Errorf("Label = %q", p.Label())
	}
	p = reports.LastComplete(store.ReportWeekly, time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), time.UTC)
	if p.Label() != "23–29 November 2026" {
		t.Errorf("Label = %q", p.Label())
	}
	p = reports.LastComplete(store.ReportWeekly, time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC), time.UTC)
	if p.Label() != "30 November – 6 December 2026" || p.Previous().Label() != "23–29 November 2026" {
		t.Errorf("Label = %q, previous %q", p.Label(), p.Previous().Label())
	}
	m := reports.LastComplete(store.ReportMonthly, time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC), time.UTC)
	if m.Label() != "February 2026" || m.Previous().Label() != "January 2026" || m.Last().Day() != 28 {
		t.Errorf("monthly: %q, previous %q, last %v", m.Label(), m.Previous().Label(), m.Last())
	}
}

func TestTokens(t *testing.T) {
	tk := reports.Tokens{Key: []byte("0123456789abcdef0123456789abcdef")}
	tok := tk.Unsubscribe(42)
	if id, err := tk.OpenUnsubscribe(tok); err != nil || id != 42 {
		t.Errorf("OpenUnsubscribe(Unsubscribe(42)) = %d, %v", id, err)
	}
	other := reports.Tokens{Key: []byte("another key, just as long, 32 b!")}
	for _, bad := range []string{"", "x", tok + "x", tok[:len(tok)-1], other.Unsubscribe(42), strings.Replace(tok, "NDI", "NDM", 1)} {
		if _, err := tk.OpenUnsubscribe(bad); !errors.Is(err, reports.ErrBadToken) {
			t.Errorf("OpenUnsubscribe(%q) = %v, want ErrBadToken", bad, err)
		}
	}
	p := reports.LastComplete(store.ReportWeekly, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), time.UTC)
	chart := tk.Chart(7, p)
	if _, err := tk.OpenUnsubscribe(chart); err == nil {
		t.Error("a chart token opens as an unsubscribe token")
	}
	site, freq, from, err := tk.OpenChart(chart)
	if err != nil || site != 7 || freq != "weekly" || from != "2026-11-16" {
		t.Errorf("OpenChart = %d %s %s %v", site, freq, from, err)
	}
}

func FuzzOpenUnsubscribe(f *testing.F) {
	tk := reports.Tokens{Key: []byte("0123456789abcdef0123456789abcdef")}
	f.Add(tk.Unsubscribe(1))
	f.Add("")
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, s string) {
		if id, err := tk.OpenUnsubscribe(s); err == nil && tk.Unsubscribe(id) != s {
			t.Errorf("OpenUnsubscribe(%q) = %d, which signs differently", s, id)
		}
	})
}

// sample is a fixed report: the golden files show every part.
func sample() reports.Report {
	p := reports.LastComplete(store.ReportWeekly, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), berlin)
	r := reports.Report{
		Site: "example.com", Period: p,
		Figures: []reports.Figure{
			{Name: "Unique visitors", Value: "12,345", Change: "+12%", Better: true},
			{Name: "Pageviews", Value: "40,001", Change: "−3%", Worse: true},
			{Name: "Bounce rate", Value: "41%", Change: "−2.5 pts", Better: true},
			{Name: "Visit duration", Value: "1m 05s", Change: "no change"},
		},
		Pages:     []reports.Row{{Name: "/", Visitors: 8000}, {Name: "/blog/<script>", Visitors: 1200}},
		Sources:   []reports.Row{{Name: "Google", Visitors: 5000}, {Name: "Direct / none", Visitors: 4000}},
		Countries: []reports.Row{{Name: "Germany", Visitors: 6000}, {Name: "France", Visitors: 2000}},
		Goals:     []reports.GoalRow{{Name: "Signup", Conversions: 120, Rate: 0.97}},
		Vitals: []reports.Vital{
			{Name: "LCP", Value: "3.1 s", Previous: "2.4 s", Rating: "needs improvement", Regressed: true},
			{Name: "INP", Value: "180 ms", Previous: "190 ms", Rating: "good"},
			{Name: "CLS"},
		},
		Regressions:    1,
		DashboardURL:   "https://stats.example.test/example.com",
		ChartURL:       "https://stats.example.test/api/reports/chart.png?t=abc",
		UnsubscribeURL: "https://stats.example.test/api/reports/unsubscribe?t=xyz",
		Recipient:      "boss@example.com",
	}
	for i := range 7 {
		r.Series = append(r.Series, reports.Point{Label: p.From.AddDate(0, 0, i).Format(time.DateOnly), Visitors: float64(1000 + 300*i)})
	}
	return r
}

func TestReportGolden(t *testing.T) {
	out, err := reports.Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	if out.Subject != "example.com: your weekly report for 16–22 November 2026" {
		t.Errorf("Subject = %q", out.Subject)
	}
	if strings.Contains(out.HTML, "<script>") {
		t.Error("the HTML part carries a page path unescaped")
	}
	golden(t, "report.txt", []byte(out.Text))
	golden(t, "report.html", []byte(out.HTML))
	png, err := reports.ChartPNG(sample().Series)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("ChartPNG is not a PNG")
	}
	golden(t, "chart.png", png)
}

func TestStaffGolden(t *testing.T) {
	last := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
	d := reports.Digest{Day: "2026-11-23", From: last.Add(-23 * time.Hour), To: last.Add(time.Hour), SignUps: 3, Users: 40, ActiveSites: 12, Sites: 15,
		Events: 1234567, QueueDepth: 12, ShowQueue: true, FailedRuns: 2, FailedDeliveries: 1, LateJobs: 1, FailingJobs: 1,
		BusiestSite: "big.example", BusiestEvents: 900000, AdminURL: "https://stats.example.test/admin/jobs",
		Jobs: []reports.DigestJob{
			{Name: "rollup", LastStatus: "ok", LastSuccess: "2026-11-23 05:00 UTC"},
			{Name: "backup", LastStatus: "failed", LastError: "disk full", Late: true, LastSuccess: "2026-11-21 03:00 UTC"},
		}}
	out, err := reports.RenderDigest(d)
	if err != nil {
		t.Fatal(err)
	}
	if out.Subject != "Footfall daily digest 2026-11-23: 1,234,567 events, 3 sign-ups, 2 job problems" {
		t.Errorf("Subject = %q", out.Subject)
	}
	if strings.Contains(out.Text, "MRR") || strings.Contains(out.HTML, "MRR") {
		t.Error("a self-hosted digest shows billing")
	}
	golden(t, "staff.txt", []byte(out.Text))
	golden(t, "staff.html", []byte(out.HTML))

	// Hosted mode: the revenue and the accounts over quota.
	d.Billing = &reports.BillingDigest{MRRCents: 1234550, Accounts: 310, Paying: 97, OverQuota: []reports.QuotaAccount{
		{AccountID: 7, Name: "Acme", Plan: "growth", Capacity: store.CapacityGrace, Used: 1050000, Limit: 1000000, GraceUntil: "2026-11-26 05:00 UTC"},
		{AccountID: 12, Name: "Blog & Co", Plan: "free", Capacity: store.CapacityLimited, Used: 12000, Limit: 10000},
	}}
	if out, err = reports.RenderDigest(d); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Text, "MRR               $12,345.50 (97 paying of 310 accounts") || !strings.Contains(out.Text, "Over quota        2 accounts") {
		t.Errorf("hosted digest:\n%s", out.Text)
	}
	golden(t, "staff_saas.txt", []byte(out.Text))
	golden(t, "staff_saas.html", []byte(out.HTML))
}

// seeded is a site in Berlin with known traffic over two weeks.
type seeded struct {
	db     *sqlite.Store
	events *duckdb.Store
	stats  *query.Service
	site   store.Site
}

func seed(t *testing.T) *seeded {
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
	site, err := db.CreateSite(ctx, store.Site{Domain: "example.com", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGoal(ctx, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}}); err != nil {
		t.Fatal(err)
	}
	ev, err := duckdb.Open(ctx, "", duckdb.Options{Threads: 2, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	var evs []store.Event
	id := uint64(0)
	add := func(ts time.Time, path, name string, lcp uint32) {
		id++
		evs = append(evs, store.Event{Timestamp: ts, SiteID: site.ID, VisitorID: id, SessionID: id, Name: name, Hostname: "example.com",
			Pathname: path, EntryPage: path, Country: "DE", Source: "Google", ScrollDepth: -1, Device: "desktop", LCPms: lcp})
	}
	// Week of 9–15 November: 10 visitors a day, LCP 2 s. Week of 16–22
	// November: 20 a day, LCP 3 s, 3 signups.
	for d := range 7 {
		for i := range 10 {
			add(time.Date(2026, 11, 9+d, 10, i, 0, 0, berlin), "/", "pageview", 2000)
		}
		for i := range 20 {
			add(time.Date(2026, 11, 16+d, 10, i, 0, 0, berlin), "/pricing", "pageview", 3000)
		}
	}
	for i := range 3 {
		add(time.Date(2026, 11, 20, 12, i, 0, 0, berlin), "/signup", "Signup", 0)
	}
	if err := ev.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	svc := &query.Service{Sites: db, Events: ev, Goals: func(ctx context.Context, siteID int64) ([]store.Goal, error) {
		gs, err := db.ListGoals(ctx, siteID)
		var out []store.Goal
		for _, g := range gs {
			out = append(out, g.Goal)
		}
		return out, err
	}}
	return &seeded{db: db, events: ev, stats: svc, site: site}
}

// TestBuildOnSeededData: a weekly report's figures, change and regression
// flag match traffic of known shape.
func TestBuildOnSeededData(t *testing.T) {
	s := seed(t)
	b := &reports.Builder{Stats: s.stats, BaseURL: "https://stats.example.test", Tokens: reports.Tokens{Key: []byte("k")}}
	p := reports.LastComplete(store.ReportWeekly, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), berlin)
	r, err := b.Build(t.Context(), s.site, p, true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Figures[0].Value != "143" || r.Figures[0].Change != "+104%" || !r.Figures[0].Better {
		t.Errorf("visitors figure %+v, want 143 (+104%% on 70)", r.Figures[0])
	}
	if len(r.Series) != 7 || r.Series[0].Visitors != 20 || r.Series[4].Visitors != 23 {
		t.Errorf("series %+v, want 7 days of 20 (23 on Friday)", r.Series)
	}
	if len(r.Pages) != 2 || r.Pages[0] != (reports.Row{Name: "/pricing", Visitors: 140}) {
		t.Errorf("pages %+v", r.Pages)
	}
	if len(r.Countries) != 1 || r.Countries[0].Name != "Germany" || len(r.Goals) != 1 || r.Goals[0].Conversions != 3 {
		t.Errorf("countries %+v goals %+v", r.Countries, r.Goals)
	}
	if r.Vitals[0].Value != "3.0 s" || r.Vitals[0].Previous != "2.0 s" || !r.Vitals[0].Regressed || r.Regressions != 1 {
		t.Errorf("LCP %+v (regressions %d), want 3.0 s, was 2.0 s, flagged", r.Vitals[0], r.Regressions)
	}
	if !strings.HasPrefix(r.ChartURL, "https://stats.example.test/api/reports/chart.png?t=") {
		t.Errorf("ChartURL %q", r.ChartURL)
	}
}

type outbox struct {
	mu   sync.Mutex
	sent []reports.Email
	fail bool
}

func (o *outbox) send(_ context.Context, e reports.Email) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail {
		return errors.New("mail server down")
	}
	o.sent = append(o.sent, e)
	return nil
}

// TestSenderOncePerPeriod: each subscription gets the period's report
// once, across runs and a restart (a new Sender); a failed send is tried
// again at the next run.
func TestSenderOncePerPeriod(t *testing.T) {
	s := seed(t)
	ctx := t.Context()
	for _, sub := range []store.ReportSubscription{
		{SiteID: s.site.ID, Email: "a@example.com", Frequency: store.ReportWeekly},
		{SiteID: s.site.ID, Email: "b@example.com", Frequency: store.ReportWeekly},
		{SiteID: s.site.ID, Email: "a@example.com", Frequency: store.ReportMonthly},
	} {
		if _, err := s.db.CreateReportSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	out := &outbox{}
	clock := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC) // Monday 06:00 in Berlin
	newSender := func() *reports.Sender {
		return &reports.Sender{DB: s.db, Send: out.send, BaseURL: "https://stats.example.test", Now: func() time.Time { return clock },
			Builder: &reports.Builder{Stats: s.stats, BaseURL: "https://stats.example.test", Tokens: reports.Tokens{Key: []byte("key")}}}
	}
	if err := newSender().Run(ctx); err != nil {
		t.Fatal(err)
	}
	// 06:00 local: the weekly reports are not due; October's monthly one is.
	if len(out.sent) != 1 || !strings.Contains(out.sent[0].Subject, "monthly report for October 2026") {
		t.Fatalf("at 06:00: %d sent (%v), want October's monthly report", len(out.sent), subjects(out.sent))
	}
	clock = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC) // 08:00 local
	out.fail = true
	if err := newSender().Run(ctx); err == nil {
		t.Error("Run with the mail server down returned no error")
	}
	out.fail = false
	for range 3 {
		if err := newSender().Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.sent) != 3 {
		t.Fatalf("after several runs: %d sent (%v), want 3", len(out.sent), subjects(out.sent))
	}
	for _, e := range out.sent[1:] {
		if !strings.Contains(e.Subject, "weekly report for 16–22 November 2026") || len(e.To) != 1 {
			t.Errorf("sent %q to %v", e.Subject, e.To)
		}
		if !strings.HasPrefix(e.ListUnsubscribe, "https://stats.example.test/api/reports/unsubscribe?t=") || !strings.Contains(e.Text, e.ListUnsubscribe) {
			t.Errorf("unsubscribe link %q missing from the header or the text", e.ListUnsubscribe)
		}
	}
	if out.sent[1].To[0] == out.sent[2].To[0] {
		t.Errorf("both weekly reports went to %s", out.sent[1].To[0])
	}
}

func subjects(es []reports.Email) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Subject)
	}
	return out
}

// TestStaffDigestOnceADay: the digest goes to the operator once a day.
func TestStaffDigestOnceADay(t *testing.T) {
	s := seed(t)
	out := &outbox{}
	clock := time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)
	st := &reports.Staff{DB: s.db, Events: s.events, QueueDepth: func() int { return 3 }, Send: out.send,
		Recipients: func(context.Context) ([]string, error) { return []string{"ops@example.com"}, nil },
		Jobs: func(context.Context) ([]jobs.Status, error) {
			return []jobs.Status{{Name: "backup", Late: true, LastRun: &store.JobRun{Status: store.JobFailed, Error: "disk full"}}}, nil
		},
		Billing: func(context.Context) (*reports.BillingDigest, error) {
			return &reports.BillingDigest{MRRCents: 2900, Accounts: 2, Paying: 1}, nil
		},
		Now: func() time.Time { return clock }}
	for range 2 {
		if err := st.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.sent) != 1 {
		t.Fatalf("%d digests, want 1", len(out.sent))
	}
	e := out.sent[0]
	// 20 pageviews and 3 signups on 20 November, within the 24 hours.
	if !strings.Contains(e.Subject, "23 events") || !strings.Contains(e.Text, "Active sites      1 of 1") || !strings.Contains(e.Text, "backup") ||
		!strings.Contains(e.Text, "MRR               $29.00 (1 paying of 2 accounts") || !strings.Contains(e.Text, "Over quota        0 accounts") {
		t.Errorf("digest %q:\n%s", e.Subject, e.Text)
	}
}

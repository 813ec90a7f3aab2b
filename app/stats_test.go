package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store/storetest"
)

// TestGoalsAndFunnelsEndToEnd ingests two visits through /api/event,
// defines a goal and a funnel through the Sites API, and reads them back
// through the stats and funnel endpoints.
func TestGoalsAndFunnelsEndToEnd(t *testing.T) {
	ta := newTestApp(t, false)
	send := func(ip, name, url string) {
		t.Helper()
		body := `{"n":"` + name + `","u":"` + url + `","d":"example.com"}`
		if r := ta.do(t, "POST", "/api/event", body, "Content-Type", "text/plain", "X-Forwarded-For", ip); r.status != 202 {
			t.Fatalf("POST /api/event = %d %s", r.status, r.body)
		}
		// Funnel steps must be strictly later than the step before, and
		// times are kept to the millisecond.
		time.Sleep(3 * time.Millisecond)
	}
	// Visitor A: / → /pricing → Signup. Visitor B: /pricing only.
	send("81.2.69.142", "pageview", "https://example.com/")
	send("81.2.69.142", "pageview", "https://example.com/pricing")
	send("81.2.69.142", "Signup", "https://example.com/pricing")
	send("2.16.7.1", "pageview", "https://example.com/pricing")
	ta.waitStored(t, 4)

	auth := []string{"Content-Type", "application/json", "Authorization", "Bearer " + ta.admin}
	for _, g := range []string{
		`{"site_id":"example.com","goal_type":"event","event_name":"Signup"}`,
		`{"site_id":"example.com","goal_type":"page","page_path":"/pric*"}`,
	} {
		if r := ta.do(t, "PUT", "/api/v1/sites/goals", g, auth...); r.status != 200 && r.status != 201 {
			t.Fatalf("PUT goal = %d %s", r.status, r.body)
		}
	}
	rows := ta.query(t, `{"site_id":"example.com","metrics":["visitors","events","conversion_rate"],"date_range":"all","dimensions":["event:goal"]}`)
	got, _ := json.Marshal(rows)
	if want := `[["Visit /pric*",2,2,100],["Signup",1,1,50]]`; string(got) != want {
		t.Errorf("goal breakdown = %s, want %s", got, want)
	}

	funnel := func(body string) string {
		t.Helper()
		r := ta.do(t, "POST", "/api/v2/funnel", body, auth...)
		if r.status != 200 {
			t.Fatalf("POST /api/v2/funnel = %d %s", r.status, r.body)
		}
		var res struct {
			Steps []struct {
				Visitors       int64
				ConversionRate float64 `json:"conversion_rate"`
				Dropoff        int64
			}
		}
		if err := json.Unmarshal([]byte(r.body), &res); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, s := range res.Steps {
			b, _ := json.Marshal([]any{s.Visitors, s.ConversionRate, s.Dropoff})
			parts = append(parts, string(b))
		}
		return strings.Join(parts, " ")
	}
	inline := `{"site_id":"example.com","date_range":"all","steps":[{"page_path":"/"},{"page_path":"/pricing"},{"event_name":"Signup"}]}`
	if got := funnel(inline); got != "[1,100,0] [1,100,0] [1,100,0]" {
		t.Errorf("inline funnel = %s", got)
	}
	def := `{"site_id":"example.com","name":"Pricing to signup","steps":[{"goal_type":"page","page_path":"/pricing"},{"goal_type":"event","event_name":"Signup"}]}`
	if r := ta.do(t, "PUT", "/api/v1/sites/funnels", def, auth...); r.status != 200 && r.status != 201 {
		t.Fatalf("PUT funnel = %d %s", r.status, r.body)
	}
	if got := funnel(`{"site_id":"example.com","date_range":"all","funnel":"Pricing to signup"}`); got != "[2,100,0] [1,50,1]" {
		t.Errorf("named funnel = %s", got)
	}
	for _, body := range []string{
		`{"site_id":"example.com","date_range":"all","funnel":"Nope"}`,
		`{"site_id":"example.com","date_range":"all","steps":[{"page_path":"/"}]}`,
		`{"site_id":"example.com","date_range":"all","steps":[{"page_path":"x"},{"event_name":"Signup"}]}`,
		`{"site_id":"example.com","date_range":"all"}`,
	} {
		if r := ta.do(t, "POST", "/api/v2/funnel", body, auth...); r.status != 400 {
			t.Errorf("POST /api/v2/funnel %s = %d %s, want 400", body, r.status, r.body)
		}
	}
	if r := ta.do(t, "POST", "/api/v2/funnel", inline, "Authorization", "Bearer "+ta.user); r.status != 404 {
		t.Errorf("another user's funnel = %d, want 404", r.status)
	}
}

// TestRollupJob: the rollup job's work leaves every answer of the stats
// API as it was.
func TestRollupJob(t *testing.T) {
	ta := newTestApp(t, false)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	events := storetest.Dataset(11, 3000, from, 7)
	for i := range events {
		events[i].SiteID = ta.site.ID
	}
	if err := ta.Events.Append(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	if r := ta.do(t, "PUT", "/api/v1/sites/goals", `{"site_id":"example.com","goal_type":"page","page_path":"/docs/**"}`,
		"Content-Type", "application/json", "Authorization", "Bearer "+ta.admin); r.status != 200 {
		t.Fatalf("PUT goal = %d %s", r.status, r.body)
	}
	bodies := []string{
		`{"site_id":"example.com","metrics":["visitors","events","conversion_rate"],"date_range":["2026-03-01","2026-03-07"],"dimensions":["event:goal"]}`,
		`{"site_id":"example.com","metrics":["visitors","visits","bounce_rate","visit_duration"],"date_range":["2026-03-01","2026-03-07"]}`,
		`{"site_id":"example.com","metrics":["visitors","pageviews","bounce_rate"],"date_range":["2026-03-01","2026-03-07"],"dimensions":["time:day"]}`,
		`{"site_id":"example.com","metrics":["visitors","percentage"],"date_range":["2026-03-01","2026-03-07"],"dimensions":["visit:source"]}`,
		`{"site_id":"example.com","metrics":["visitors","pageviews"],"date_range":["2026-03-01","2026-03-07"],"dimensions":["event:page"]}`,
	}
	var before []string
	for _, b := range bodies {
		got, _ := json.Marshal(ta.query(t, b))
		before = append(before, string(got))
	}
	if err := ta.Rollup(t.Context()); err != nil {
		t.Fatal(err)
	}
	ta.Stats.Cache.Invalidate(ta.site.ID, time.Time{})
	for i, b := range bodies {
		if got, _ := json.Marshal(ta.query(t, b)); string(got) != before[i] {
			t.Errorf("after rollup %s\n= %s\nwant %s", b, got, before[i])
		}
	}
}

package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/clickhouse/chtest"
	"github.com/footfallhq/footfall/store/postgres/pgtest"
	"github.com/footfallhq/footfall/store/redis/redistest"
)

// TestRedisDown: in SaaS mode with Redis gone, ingestion answers 503 (the
// queue is unreachable; never 500), dashboards keep answering from
// ClickHouse, and rate limits fail safe: sign-in attempts are still
// limited, counted in process, rather than let through.
func TestRedisDown(t *testing.T) {
	redisURL, err := url.Parse(redistest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newProxy(t, redisURL.Host)
	redisURL.Host = proxy.addr()
	ta := newTestApp(t, true,
		"FOOTFALL_EVENTS_URL="+chtest.URL(t),
		"FOOTFALL_DATABASE_URL="+pgtest.URL(t),
		"FOOTFALL_REDIS_URL="+redisURL.String(),
	)
	// Events already in ClickHouse: 30 visitors on three days.
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	var events []store.Event
	for i := range 30 {
		events = append(events, store.Event{
			SiteID: ta.site.ID, Timestamp: day.Add(time.Duration(i) * time.Hour), Name: "pageview",
			VisitorID: uint64(i + 1), SessionID: uint64(i + 100), Hostname: "example.com", Pathname: fmt.Sprintf("/p/%d", i%3),
			Country: "DE", ScrollDepth: -1,
		})
	}
	if err := ta.Events.Append(t.Context(), events); err != nil {
		t.Fatal(err)
	}

	proxy.stop()
	if r := ta.do(t, "POST", "/api/event", `{"n":"pageview","u":"https://example.com/","d":"example.com"}`, "X-Forwarded-For", "81.2.69.9"); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("POST /api/event with Redis down = %d %s, want 503 with Retry-After", r.status, r.body)
	}
	// Not answered from a cache: these were never asked before.
	rows := ta.query(t, `{"site_id":"example.com","metrics":["visitors","pageviews"],"date_range":"7d"}`)
	if len(rows) != 1 || fmt.Sprint(rows[0]) != "[30 30]" {
		t.Errorf("totals with Redis down = %v, want [[30 30]]", rows)
	}
	rows = ta.query(t, `{"site_id":"example.com","metrics":["visitors"],"dimensions":["event:page"],"date_range":"7d"}`)
	if len(rows) != 3 {
		t.Errorf("pages with Redis down = %v, want 3 pages", rows)
	}

	var codes []int
	for range 7 {
		r := ta.do(t, "POST", "/api/auth/login", `{"email":"admin@example.com","password":"not the password"}`,
			"Content-Type", "application/json")
		codes = append(codes, r.status)
	}
	if !strings.Contains(fmt.Sprint(codes), "429") {
		t.Errorf("7 wrong sign-ins with Redis down answered %v: want 429 once past the limit (5 a minute), not every attempt let through", codes)
	}
	for _, c := range codes {
		if c >= 500 {
			t.Errorf("sign-in with Redis down answered %d (%v), want 401 or 429", c, codes)
		}
	}
}

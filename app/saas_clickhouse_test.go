package app_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store/clickhouse/chtest"
	"github.com/footfallhq/footfall/store/postgres/pgtest"
	"github.com/footfallhq/footfall/store/redis/redistest"
)

// TestClickHouseDown: with ClickHouse gone, ingestion goes on answering 202
// (events wait in the Redis stream), the replica stays ready, dashboards
// answer 503 rather than 500, and once ClickHouse is back the backlog
// drains with nothing lost. The outage lasts seconds here; its length only
// matters against the stream's bound (FOOTFALL_QUEUE_MAX_EVENTS).
func TestClickHouseDown(t *testing.T) {
	chURL, err := url.Parse(chtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newProxy(t, chURL.Host)
	chURL.Host = proxy.addr()
	ta := newTestApp(t, false,
		"FOOTFALL_EVENTS_URL="+chURL.String(),
		"FOOTFALL_DATABASE_URL="+pgtest.URL(t),
		"FOOTFALL_REDIS_URL="+redistest.URL(t),
	)
	post := func(i int) {
		t.Helper()
		body := fmt.Sprintf(`{"n":"pageview","u":"https://example.com/p/%d","d":"example.com"}`, i)
		if r := ta.do(t, "POST", "/api/event", body, "X-Forwarded-For", fmt.Sprintf("81.2.69.%d", i%250+1)); r.status != 202 {
			t.Fatalf("POST /api/event = %d %s, want 202", r.status, r.body)
		}
	}
	for i := range 10 {
		post(i)
	}
	ta.waitStored(t, 10)

	proxy.cut()
	const n = 200
	for i := 10; i < n; i++ {
		post(i)
	}
	if r := ta.do(t, "GET", "/readyz", ""); r.status != 200 {
		t.Errorf("GET /readyz with ClickHouse down = %d %s, want 200: events wait in the stream", r.status, r.body)
	}
	query := `{"site_id":"example.com","metrics":["visitors"],"date_range":"all"}`
	if r := ta.do(t, "POST", "/api/v2/query", query, "Authorization", "Bearer "+ta.admin); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("POST /api/v2/query with ClickHouse down = %d %s, want 503 with Retry-After", r.status, r.body)
	}
	if d := ta.Queue.Depth(); d < n-10 {
		t.Errorf("queue depth with ClickHouse down = %d, want ≥ %d waiting", d, n-10)
	}

	proxy.resume()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := ta.Events.Count(context.Background(), ta.site.ID, time.Time{}, time.Time{})
		if err == nil && got == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored %d (%v) a minute after ClickHouse came back, want %d", got, err, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d := ta.Queue.Depth(); d != 0 {
		t.Errorf("queue depth after the backlog drained = %d, want 0", d)
	}
}

package app_test

import (
	"fmt"
	"testing"

	"github.com/footfallhq/footfall/store/postgres/pgtest"
	"github.com/footfallhq/footfall/store/redis/redistest"
)

// TestServerBackends runs the whole app on PostgreSQL (app data) and Redis
// (queue, cache, limiter, job lock): events posted to /api/event go
// through the Redis stream into the events store, and /readyz checks
// both servers.
func TestServerBackends(t *testing.T) {
	ta := newTestApp(t, false,
		"FOOTFALL_DATABASE_URL="+pgtest.URL(t),
		"FOOTFALL_REDIS_URL="+redistest.URL(t),
	)
	if !ta.Shared.Redis() {
		t.Fatal("FOOTFALL_REDIS_URL set, yet the shared state is in process")
	}
	if got := fmt.Sprintf("%T", ta.Queue); got != "*redis.Queue" {
		t.Fatalf("queue is %s, want the Redis stream", got)
	}
	const n = 20
	for i := range n {
		body := fmt.Sprintf(`{"n":"pageview","u":"https://example.com/p/%d","d":"example.com"}`, i)
		r := ta.do(t, "POST", "/api/event", body, "X-Forwarded-For", fmt.Sprintf("81.2.69.%d", i+1))
		if r.status != 202 {
			t.Fatalf("POST /api/event = %d %s, want 202", r.status, r.body)
		}
	}
	ta.waitStored(t, n)
	if r := ta.do(t, "GET", "/readyz", ""); r.status != 200 {
		t.Errorf("GET /readyz = %d %s, want 200", r.status, r.body)
	}
	if d := ta.Queue.Depth(); d != 0 {
		t.Errorf("queue depth after the batcher caught up = %d, want 0", d)
	}
}

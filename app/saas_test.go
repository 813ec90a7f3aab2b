package app_test

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
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

// TestServerBackendsDown: with Redis gone, /api/event answers 503 with
// Retry-After (never 500) and /readyz fails; with PostgreSQL gone, /readyz
// says so.
func TestServerBackendsDown(t *testing.T) {
	redisURL, err := url.Parse(redistest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newProxy(t, redisURL.Host)
	redisURL.Host = proxy.addr()
	ta := newTestApp(t, true,
		"FOOTFALL_DATABASE_URL="+pgtest.URL(t),
		"FOOTFALL_REDIS_URL="+redisURL.String(),
	)
	event := `{"n":"pageview","u":"https://example.com/","d":"example.com"}`
	if r := ta.do(t, "POST", "/api/event", event, "X-Forwarded-For", "81.2.69.1"); r.status != 202 {
		t.Fatalf("POST /api/event with Redis up = %d %s, want 202", r.status, r.body)
	}

	proxy.stop() // Redis goes away: connections cut, new ones refused
	r := ta.do(t, "POST", "/api/event", event, "X-Forwarded-For", "81.2.69.2")
	if r.status != 503 || !strings.Contains(r.body, "queue_unavailable") || r.header.Get("Retry-After") == "" {
		t.Errorf("POST /api/event with Redis down = %d %s (Retry-After %q), want 503 queue_unavailable with Retry-After",
			r.status, r.body, r.header.Get("Retry-After"))
	}
	if r := ta.do(t, "GET", "/readyz", ""); r.status != 503 || !strings.Contains(r.body, "redis") {
		t.Errorf("GET /readyz with Redis down = %d %s, want 503 naming redis", r.status, r.body)
	}

	ta.DB.Close() // as good as PostgreSQL being down, for the pool
	if r := ta.do(t, "GET", "/readyz", ""); r.status != 503 || !strings.Contains(r.body, "app database") {
		t.Errorf("GET /readyz with PostgreSQL down = %d %s, want 503 naming the app database", r.status, r.body)
	}
}

// proxy forwards TCP connections to a server until stopped, to take a
// server away from under the app.
type proxy struct {
	t    *testing.T
	ln   net.Listener
	down atomic.Bool // refusing: accepted connections are closed at once

	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln}
	t.Cleanup(p.stop)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.down.Load() {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// cut cuts the open connections and refuses new ones until resume, as a
// server going down and coming back at the same address.
func (p *proxy) cut() {
	p.down.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) resume() { p.down.Store(false) }

// stop refuses new connections and cuts the open ones.
func (p *proxy) stop() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

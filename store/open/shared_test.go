package open

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/postgres/pgtest"
	"github.com/footfallhq/footfall/store/redis/redistest"
)

func TestOpenSharedInProcess(t *testing.T) {
	s, err := OpenShared(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Redis() {
		t.Error("OpenShared(\"\").Redis() = true, want in process")
	}
	if _, err := s.Queue(t.Context(), QueueOptions{}); err == nil {
		t.Error("Queue without Redis succeeded, want an error (the WAL is the queue then)")
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping in process: %v", err)
	}
	lk, err := s.Locker.Lock(t.Context(), "job")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Locker.Lock(t.Context(), "job"); !errors.Is(err, store.ErrLocked) {
		t.Errorf("second Lock = %v, want ErrLocked", err)
	}
	_ = lk.Unlock(t.Context())
}

func TestOpenSharedBadScheme(t *testing.T) {
	if _, err := OpenShared(t.Context(), "memcached://localhost", nil); err == nil {
		t.Error("OpenShared(memcached://) succeeded, want an error")
	}
}

// TestOpenSharedRedis: a redis:// URL gives the Redis queue, cache,
// limiter and locker, all under the URL's key prefix.
func TestOpenSharedRedis(t *testing.T) {
	s, err := OpenShared(t.Context(), redistest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Redis() {
		t.Fatal("OpenShared(redis://).Redis() = false")
	}
	q, err := s.Queue(t.Context(), QueueOptions{MaxEvents: 10, Consumer: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.Enqueue(t.Context(), []store.Event{{Timestamp: time.UnixMilli(1), SiteID: 1, Name: "pageview"}}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	b, err := q.Next(ctx, 10)
	if err != nil || len(b.Events) != 1 {
		t.Fatalf("Next = %v, %v; want the event", b.Events, err)
	}
	if err := q.Ack(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if err := s.Cache.Set(t.Context(), "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if a, err := s.Limiter.Allow(t.Context(), "k", store.PerMinute(1)); err != nil || !a.Allowed {
		t.Errorf("Allow = %+v, %v", a, err)
	}
}

func TestOpenAppPostgres(t *testing.T) {
	a, err := App(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatalf("App(postgres://): %v", err)
	}
	defer a.Close()
	if err := a.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateSite(t.Context(), store.Site{Domain: "example.com"}); err != nil {
		t.Errorf("CreateSite: %v", err)
	}
}

func TestOpenAppPostgresUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := App(ctx, "postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("App(closed port) succeeded")
	}
	if s := err.Error(); len(s) == 0 || strings.Contains(s, "hunter2") {
		t.Errorf("App(closed port) = %q, want an error without the password", s)
	}
}

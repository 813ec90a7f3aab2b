package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/memory"
	"github.com/footfallhq/footfall/store/redis"
	"github.com/footfallhq/footfall/store/redis/redistest"
)

// TestSharedRunsOnce: two replicas' schedulers with one shared locker run
// a job once per tick between them; without it, each would run it.
func TestSharedRunsOnce(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testSharedRunsOnce(t, memory.NewLocker(time.Minute)) })
	t.Run("redis", func(t *testing.T) {
		// Two clients, as two replicas would have.
		var lockers []store.Locker
		url := redistest.URL(t)
		for range 2 {
			c, err := redis.Open(t.Context(), url, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Close() })
			lockers = append(lockers, c.Locker("lock:", time.Minute))
		}
		testSharedRunsOnce(t, lockers...)
	})
}

// testSharedRunsOnce runs two schedulers, the i-th on lockers[i] (or all
// on lockers[0]).
func testSharedRunsOnce(t *testing.T, lockers ...store.Locker) {
	const interval = 200 * time.Millisecond
	var runs atomic.Int64
	job := Job{Name: "sweep", Schedule: Every(interval), Run: func(context.Context) error {
		runs.Add(1)
		return nil
	}}
	logger := slog.New(slog.DiscardHandler)
	var scheds []*Scheduler
	for i := range 2 {
		s, err := NewShared(logger, lockers[min(i, len(lockers)-1)], interval/2, job)
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	start := time.Now()
	for _, s := range scheds {
		if err := s.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5*interval + interval/2)
	for _, s := range scheds {
		if err := s.Shutdown(); err != nil {
			t.Fatal(err)
		}
	}
	ticks := int64(time.Since(start) / interval)
	if n := runs.Load(); n < ticks-2 || n > ticks {
		t.Errorf("two replicas sharing a locker ran the job %d times in %d ticks, want one run per tick", n, ticks)
	}
}

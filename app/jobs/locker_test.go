package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store/memory"
)

// TestSharedRunsOnce: two replicas' schedulers with one shared locker run
// a job once per tick between them; without it, each would run it.
func TestSharedRunsOnce(t *testing.T) {
	const interval = 200 * time.Millisecond
	locker := memory.NewLocker(time.Minute)
	var runs atomic.Int64
	job := Job{Name: "sweep", Schedule: Every(interval), Run: func(context.Context) error {
		runs.Add(1)
		return nil
	}}
	logger := slog.New(slog.DiscardHandler)
	var scheds []*Scheduler
	for range 2 {
		s, err := NewShared(logger, locker, interval/2, job)
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	start := time.Now()
	for _, s := range scheds {
		s.Start()
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

package jobs

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/footfallhq/footfall/store"
)

// Scheduler tests on a fake clock: hours pass in milliseconds, and what
// is due when is exact.

// fakeScheduler returns a scheduler whose timers and lateness both read
// clock.
func fakeScheduler(t *testing.T, clock *clockwork.FakeClock, jobs ...Job) *Scheduler {
	t.Helper()
	sc, err := newScheduler(slog.New(slog.NewTextHandler(io.Discard, nil)), []gocron.SchedulerOption{gocron.WithClock(clock)}, jobs)
	if err != nil {
		t.Fatal(err)
	}
	sc.now = clock.Now
	return sc
}

// advance moves the clock by d once the scheduler waits on it, and
// waits (in real time) until cond holds.
func advance(t *testing.T, clock *clockwork.FakeClock, d time.Duration, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("the scheduler never waited on the clock: %v", err)
	}
	clock.Advance(d)
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("after advancing %v: condition not met", d)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestFakeClockSchedules: an interval job runs once per interval and a
// daily cron job at its hour, as the clock says.
func TestFakeClockSchedules(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 2, 50, 0, 0, time.UTC))
	var every, daily atomic.Int32
	sc := fakeScheduler(t, clock,
		Job{Name: "every5", Schedule: Every(5 * time.Minute), Run: func(context.Context) error { every.Add(1); return nil }},
		Job{Name: "daily", Schedule: Cron("0 3 * * *"), Run: func(context.Context) error { daily.Add(1); return nil }})
	if err := sc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer sc.Shutdown()
	advance(t, clock, 5*time.Minute, func() bool { return every.Load() == 1 })
	if daily.Load() != 0 {
		t.Errorf("the 03:00 job ran at 02:55")
	}
	advance(t, clock, 5*time.Minute, func() bool { return every.Load() == 2 && daily.Load() == 1 })
	time.Sleep(20 * time.Millisecond)
	if every.Load() != 2 || daily.Load() != 1 {
		t.Errorf("at 03:00: every5 ran %d times, daily %d; want 2 and 1", every.Load(), daily.Load())
	}
}

// TestFakeClockCatchUpOnce: a daily job whose last success is two days old
// runs once at start, not once per missed day, then on its schedule.
func TestFakeClockCatchUpOnce(t *testing.T) {
	db := openDB(t)
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	id, err := db.StartJobRun(t.Context(), "daily", start.Add(-50*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishJobRun(t.Context(), id, start.Add(-50*time.Hour), store.JobOK, ""); err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(start)
	var runs atomic.Int32
	sc := fakeScheduler(t, clock, Job{Name: "daily", Schedule: Cron("0 3 * * *"), LateAfter: 26 * time.Hour,
		Run: func(context.Context) error { runs.Add(1); return nil }})
	if err := sc.Observe(db, nil); err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer sc.Shutdown()
	waitFor(t, func() bool { return runs.Load() == 1 })
	time.Sleep(50 * time.Millisecond)
	if n := runs.Load(); n != 1 {
		t.Fatalf("catch-up ran %d times, want once", n)
	}
	// Next 03:00 is 15 hours on: the regular run.
	advance(t, clock, 15*time.Hour, func() bool { return runs.Load() == 2 })
}

// TestFakeClockShutdownMidJob: Shutdown cancels a running job's context
// and waits for it; the run is recorded as failed with the cancellation.
func TestFakeClockShutdownMidJob(t *testing.T) {
	db := openDB(t)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	started, finished := make(chan struct{}), make(chan struct{})
	sc := fakeScheduler(t, clock, Job{Name: "slow", Schedule: Every(time.Minute), LateAfter: time.Hour,
		Run: func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			close(finished)
			return ctx.Err()
		}})
	if err := sc.Observe(db, nil); err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("the job did not start")
	}
	if err := sc.Shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case <-finished:
	default:
		t.Fatal("Shutdown returned before the running job ended")
	}
	waitFor(t, func() bool {
		runs, _ := db.JobRuns(t.Context(), "slow", 10)
		return len(runs) == 1 && runs[0].Status == store.JobFailed
	})
	runs, _ := db.JobRuns(t.Context(), "slow", 10)
	if runs[0].Error != context.Canceled.Error() {
		t.Errorf("run recorded with error %q, want %q", runs[0].Error, context.Canceled)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

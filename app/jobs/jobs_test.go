package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestSchedulerRunsJobs(t *testing.T) {
	var ok, failed atomic.Int32
	sc, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)),
		Job{Name: "tick", Schedule: Every(20 * time.Millisecond), Run: func(context.Context) error { ok.Add(1); return nil }},
		Job{Name: "fail", Schedule: Every(20 * time.Millisecond), Timeout: time.Second, Run: func(ctx context.Context) error {
			if _, has := ctx.Deadline(); !has {
				t.Error("job ran without its timeout")
			}
			failed.Add(1)
			return errors.New("boom")
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for (ok.Load() < 2 || failed.Load() < 2) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := sc.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if ok.Load() < 2 || failed.Load() < 2 {
		t.Errorf("runs: ok=%d failed=%d, want each ≥ 2", ok.Load(), failed.Load())
	}
}

func TestAtStart(t *testing.T) {
	ran := make(chan struct{}, 1)
	sc, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)),
		Job{Name: "hourly", Schedule: Every(time.Hour), AtStart: true, Run: func(context.Context) error { ran <- struct{}{}; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer sc.Shutdown()
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("an AtStart job did not run at start")
	}
}

func TestScheduleText(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{time.Hour, "every 1h"}, {5 * time.Minute, "every 5m"}, {90 * time.Minute, "every 1h30m"}, {20 * time.Millisecond, "every 20ms"}, {45 * time.Second, "every 45s"}} {
		if got := describe(Every(tc.d)); got != tc.want {
			t.Errorf("describe(Every(%v)) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := describe(Cron("7 * * * *")); got != "cron 7 * * * * (UTC)" {
		t.Errorf("describe(Cron) = %q", got)
	}
}

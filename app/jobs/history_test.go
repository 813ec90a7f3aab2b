package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

func openDB(t *testing.T) *sqlite.Store {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestRunsRecorded: every run lands in the history with its outcome, the
// metrics count them, and Status reports the last run and success.
func TestRunsRecorded(t *testing.T) {
	db := openDB(t)
	reg := prometheus.NewRegistry()
	var fails atomic.Bool
	sc, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)),
		Job{Name: "flaky", Schedule: Every(30 * time.Millisecond), LateAfter: time.Hour, Run: func(context.Context) error {
			if fails.Swap(!fails.Load()) {
				return errors.New("boom")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Observe(db, reg); err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if runs, _ := db.JobRuns(t.Context(), "flaky", 10); len(runs) >= 4 && runs[len(runs)-1].Status != store.JobRunning {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := sc.Shutdown(); err != nil {
		t.Fatal(err)
	}
	runs, err := db.JobRuns(t.Context(), "flaky", 100)
	if err != nil {
		t.Fatal(err)
	}
	var ok, failed int
	for _, r := range runs {
		switch r.Status {
		case store.JobOK:
			ok++
		case store.JobFailed:
			failed++
			if r.Error != "boom" || r.FinishedAt.IsZero() {
				t.Errorf("failed run %+v: want the error and an end", r)
			}
		}
	}
	if ok < 1 || failed < 1 {
		t.Fatalf("history %+v: want successes and failures", runs)
	}
	if got, ok := metric(t, reg, "footfall_job_runs_total", "failed"); !ok || int(got) != failed {
		t.Errorf("footfall_job_runs_total{status=failed} = %v (%v), history has %d", got, ok, failed)
	}
	st, err := sc.Status(t.Context())
	if err != nil || len(st) != 1 || st[0].LastRun == nil || st[0].LastSuccess == nil || st[0].Late {
		t.Errorf("Status = %+v, %v; want a last run, a last success, not late", st, err)
	}
	if v, ok := metric(t, reg, "footfall_job_late", ""); !ok || v != 0 {
		t.Errorf("footfall_job_late = %v (%v), want 0", v, ok)
	}
	if v, ok := metric(t, reg, "footfall_job_last_success_timestamp_seconds", ""); !ok || v < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("footfall_job_last_success_timestamp_seconds = %v (%v), want about now", v, ok)
	}
}

// TestLateJobCatchesUpOnce: a daily job whose last success is two days
// old is late, and runs once at start (not once per missed day); then it
// is no longer late.
func TestLateJobCatchesUpOnce(t *testing.T) {
	db := openDB(t)
	ctx := t.Context()
	now := time.Now()
	id, _ := db.StartJobRun(ctx, "daily", now.Add(-50*time.Hour))
	if err := db.FinishJobRun(ctx, id, now.Add(-50*time.Hour+time.Minute), store.JobOK, ""); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	sc, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)),
		Job{Name: "daily", Schedule: Cron("0 3 * * *"), LateAfter: 26 * time.Hour, Run: func(context.Context) error { runs.Add(1); return nil }},
		Job{Name: "fresh", Schedule: Cron("0 3 * * *"), LateAfter: 26 * time.Hour, Run: func(context.Context) error { t.Error("a job never run before must not catch up"); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	if err := sc.Observe(db, reg); err != nil {
		t.Fatal(err)
	}
	before, _ := sc.Status(ctx)
	if !before[0].Late || before[1].Late {
		t.Errorf("before start: daily late %v, fresh late %v; want true, false", before[0].Late, before[1].Late)
	}
	if err := sc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a second catch-up would have run by now
	if err := sc.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("catch-up ran %d times, want once", n)
	}
	after, _ := sc.Status(ctx)
	if after[0].Late {
		t.Errorf("after catching up: %+v, want not late", after[0])
	}
	if v, ok := metric(t, reg, "footfall_job_late", ""); !ok || v != 0 {
		t.Errorf("footfall_job_late after catching up = %v (%v), want 0", v, ok)
	}
}

// metric returns the value of the first series of name in reg (with a
// status label equal to status, when given).
func metric(t *testing.T, reg *prometheus.Registry, name, status string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			match := status == ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "status" && l.GetValue() == status {
					match = true
				}
			}
			if !match {
				continue
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

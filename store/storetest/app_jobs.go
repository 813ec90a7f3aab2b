package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appTestJobRuns: runs are recorded, finished, listed newest first,
// summarised per job and pruned. Job names are unique to this test, as
// the store is shared with the other cases.
func appTestJobRuns(t *testing.T, a store.App) {
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	start := func(job string, at time.Time) int64 {
		t.Helper()
		id, err := a.StartJobRun(ctx, job, at)
		if err != nil {
			t.Fatalf("StartJobRun(%s): %v", job, err)
		}
		return id
	}
	finish := func(id int64, at time.Time, status, msg string) {
		t.Helper()
		if err := a.FinishJobRun(ctx, id, at, status, msg); err != nil {
			t.Fatalf("FinishJobRun(%d): %v", id, err)
		}
	}
	ok1 := start("jt_backup", t0)
	finish(ok1, t0.Add(time.Minute), store.JobOK, "")
	failed := start("jt_backup", t0.Add(24*time.Hour))
	finish(failed, t0.Add(24*time.Hour+time.Second), store.JobFailed, "disk full")
	running := start("jt_backup", t0.Add(48*time.Hour))
	other := start("jt_rollup", t0.Add(time.Hour))
	finish(other, t0.Add(time.Hour+time.Second), store.JobOK, "")

	runs, err := a.JobRuns(ctx, "jt_backup", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.JobRun{
		{ID: running, Job: "jt_backup", StartedAt: t0.Add(48 * time.Hour), Status: store.JobRunning},
		{ID: failed, Job: "jt_backup", StartedAt: t0.Add(24 * time.Hour), FinishedAt: t0.Add(24*time.Hour + time.Second), Status: store.JobFailed, Error: "disk full"},
		{ID: ok1, Job: "jt_backup", StartedAt: t0, FinishedAt: t0.Add(time.Minute), Status: store.JobOK},
	}
	if diff := cmp.Diff(want, runs); diff != "" {
		t.Errorf("JobRuns (-want +got):\n%s", diff)
	}
	if runs, err := a.JobRuns(ctx, "jt_backup", 1); err != nil || len(runs) != 1 || runs[0].ID != running {
		t.Errorf("JobRuns(limit 1) = %v, %v; want the running one", runs, err)
	}

	last, lastOK, err := a.LastJobRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last["jt_backup"].ID != running || lastOK["jt_backup"].ID != ok1 || last["jt_rollup"].ID != other || lastOK["jt_rollup"].ID != other {
		t.Errorf("LastJobRuns = %v, %v; want the running backup, the first backup as last success, the rollup as both", last, lastOK)
	}

	if err := a.FinishJobRun(ctx, 1<<40, t0, store.JobOK, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FinishJobRun(no such run) = %v, want ErrNotFound", err)
	}
	if n, err := a.DeleteJobRunsBefore(ctx, t0.Add(12*time.Hour)); err != nil || n < 2 {
		t.Errorf("DeleteJobRunsBefore = %d, %v; want the two runs started before", n, err)
	}
	if runs, _ := a.JobRuns(ctx, "jt_backup", 10); len(runs) != 2 {
		t.Errorf("after pruning, %d backup runs, want 2", len(runs))
	}
}

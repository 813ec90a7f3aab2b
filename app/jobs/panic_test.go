package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/report"
	"github.com/footfallhq/footfall/app/report/reporttest"
)

// TestPanickingJob: a job that panics is a failed run, the scheduler goes
// on, and with Sentry configured the panic is reported with the frame
// that panicked.
func TestPanickingJob(t *testing.T) {
	in := reporttest.New(t)
	rep, err := report.New(report.Options{DSN: in.DSN, Release: "test", Environment: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(rep.Handler(slog.NewTextHandler(&logs, nil)))
	sc, err := New(log, Job{Name: "explode", Schedule: Every(time.Hour), Run: explode})
	if err != nil {
		t.Fatal(err)
	}
	sc.run(context.Background(), sc.jobs[0]) // must return, not crash
	if !rep.Flush(5 * time.Second) {
		t.Fatal("not flushed")
	}
	if !strings.Contains(logs.String(), "job panicked") || !strings.Contains(logs.String(), "job failed") {
		t.Errorf("log: %s", logs.String())
	}
	var found bool
	for _, ev := range in.Events() {
		if ev.Message != "job panicked" || ev.Tags["job"] != "explode" {
			continue
		}
		found = true
		if len(ev.Exception) == 0 || ev.Exception[0].Value != "the flux capacitor is empty" {
			t.Errorf("exception %+v", ev.Exception)
			continue
		}
		var names []string
		for _, f := range ev.Exception[0].Stacktrace.Frames {
			names = append(names, f.Function)
		}
		if !strings.Contains(strings.Join(names, " "), "explode") {
			t.Errorf("stack %v lacks the panicking function", names)
		}
	}
	if !found {
		t.Errorf("no job panicked event among %d", len(in.Events()))
	}
}

func explode(context.Context) error { panic("the flux capacitor is empty") }

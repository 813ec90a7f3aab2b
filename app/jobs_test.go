package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/jobs"
)

// TestStaffJobsView: GET /api/admin/jobs shows staff each job's last run,
// last success and lateness from the run history; others get 401/403.
func TestStaffJobsView(t *testing.T) {
	ta := newTestApp(t, false)
	done := make(chan struct{}, 4)
	sc, err := jobs.New(slog.New(slog.NewTextHandler(io.Discard, nil)),
		jobs.Job{Name: "works", Schedule: jobs.Every(20 * time.Millisecond), LateAfter: time.Hour,
			Run: func(context.Context) error { done <- struct{}{}; return nil }},
		jobs.Job{Name: "breaks", Schedule: jobs.Every(20 * time.Millisecond), LateAfter: time.Hour,
			Run: func(context.Context) error { return errors.New("disk full") }})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Observe(ta.DB, nil); err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	<-done
	<-done
	if err := sc.Shutdown(); err != nil {
		t.Fatal(err)
	}
	ta.Scheduler = sc

	if r := ta.do(t, "GET", "/api/admin/jobs", ""); r.status != 401 {
		t.Errorf("anonymous = %d, want 401", r.status)
	}
	if r := ta.do(t, "GET", "/api/admin/jobs", "", "Authorization", "Bearer "+ta.user); r.status != 403 {
		t.Errorf("non-staff = %d %s, want 403", r.status, r.body)
	}
	r := ta.do(t, "GET", "/api/admin/jobs", "", "Authorization", "Bearer "+ta.admin)
	if r.status != 200 {
		t.Fatalf("staff = %d %s", r.status, r.body)
	}
	var got struct {
		Jobs []struct {
			Name        string
			Late        bool
			LastSuccess *time.Time `json:"last_success"`
			LastRun     *struct {
				Status, Error string
			} `json:"last_run"`
		}
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Jobs) != 2 || got.Jobs[0].Name != "works" || got.Jobs[0].LastSuccess == nil || got.Jobs[0].Late ||
		got.Jobs[1].LastRun == nil || got.Jobs[1].LastRun.Status != "failed" || got.Jobs[1].LastRun.Error != "disk full" || got.Jobs[1].LastSuccess != nil {
		t.Errorf("jobs = %s", r.body)
	}
}

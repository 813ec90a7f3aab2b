package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/jobs"
)

// TestStaffJobsView: GET /api/admin/jobs shows staff each job's last run,
// last success, lateness, schedule and recent runs from the run history;
// anonymous callers get 401, non-staff a 404 (the route is not theirs).
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
	if r := ta.do(t, "GET", "/api/admin/jobs", "", "Authorization", "Bearer "+ta.user); r.status != 404 {
		t.Errorf("non-staff = %d %s, want 404", r.status, r.body)
	}
	if r := ta.do(t, "GET", "/api/admin/jobs", "", "Authorization", "Bearer "+ta.admin); r.status != 403 || !strings.Contains(r.body, "staff_2fa_required") {
		t.Errorf("staff without two-factor = %d %s, want 403 staff_2fa_required", r.status, r.body)
	}
	ta.staff2FA(t, "admin@example.com")
	r := ta.do(t, "GET", "/api/admin/jobs", "", "Authorization", "Bearer "+ta.admin)
	if r.status != 200 {
		t.Fatalf("staff = %d %s", r.status, r.body)
	}
	var got struct {
		Jobs []struct {
			Name        string
			Schedule    string
			Late        bool
			LastSuccess *time.Time `json:"last_success"`
			LastRun     *struct {
				Status, Error string
			} `json:"last_run"`
			Runs []struct {
				Status     string
				DurationMS *int64 `json:"duration_ms"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Jobs) != 2 || got.Jobs[0].Name != "works" || got.Jobs[0].LastSuccess == nil || got.Jobs[0].Late ||
		got.Jobs[1].LastRun == nil || got.Jobs[1].LastRun.Status != "failed" || got.Jobs[1].LastRun.Error != "disk full" || got.Jobs[1].LastSuccess != nil {
		t.Errorf("jobs = %s", r.body)
	}
	for _, j := range got.Jobs {
		if j.Schedule != "every 20ms" {
			t.Errorf("%s: schedule %q, want %q", j.Name, j.Schedule, "every 20ms")
		}
		if len(j.Runs) < 1 || j.Runs[0].DurationMS == nil {
			t.Errorf("%s: runs %+v, want finished runs with their duration", j.Name, j.Runs)
		}
		for _, r := range j.Runs {
			if want := map[string]string{"works": "ok", "breaks": "failed"}[j.Name]; r.Status != want && r.Status != "running" {
				t.Errorf("%s: a run is %q, want %q", j.Name, r.Status, want)
			}
		}
	}
}

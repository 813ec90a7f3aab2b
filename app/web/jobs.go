package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/jobs"
	"github.com/footfallhq/footfall/store"
)

// jobsHandler serves the staff view of scheduled jobs.
type jobsHandler struct {
	status func(ctx context.Context) ([]jobs.Status, error)
	runs   func(ctx context.Context, job string, limit int) ([]store.JobRun, error)
	auth   *authenticator
}

type jobRunJSON struct {
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// DurationMS is how long the run took; absent while it runs.
	DurationMS *int64 `json:"duration_ms,omitempty"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
}

func toJobRunJSON(r store.JobRun) jobRunJSON {
	out := jobRunJSON{StartedAt: r.StartedAt, Status: r.Status, Error: r.Error}
	if !r.FinishedAt.IsZero() {
		t, ms := r.FinishedAt, r.FinishedAt.Sub(r.StartedAt).Milliseconds()
		out.FinishedAt, out.DurationMS = &t, &ms
	}
	return out
}

type jobJSON struct {
	Name             string       `json:"name"`
	Schedule         string       `json:"schedule,omitempty"`
	NextRun          *time.Time   `json:"next_run"`
	Late             bool         `json:"late"`
	LateAfterSeconds float64      `json:"late_after_seconds,omitempty"`
	LastRun          *jobRunJSON  `json:"last_run"`
	LastSuccess      *time.Time   `json:"last_success"`
	Runs             []jobRunJSON `json:"runs"`
}

// jobHistory is how many recent runs of each job the staff view lists.
const jobHistory = 10

// list is GET /api/admin/jobs: every job with its schedule, next run,
// last run, last success, whether it is late, and its recent runs. Staff
// (admin users) only: to anyone else the route is not there, as with the
// other staff routes.
func (h *jobsHandler) list(c echo.Context) error {
	u, err := h.auth.user(c)
	if err != nil {
		return err
	}
	if !u.Admin {
		return apiError(http.StatusNotFound, "not_found", "not found")
	}
	if h.status == nil {
		return apiError(http.StatusServiceUnavailable, "jobs_not_running", "the scheduler is not running in this process")
	}
	ctx := c.Request().Context()
	st, err := h.status(ctx)
	if err != nil {
		return err
	}
	out := make([]jobJSON, len(st))
	for i, s := range st {
		j := jobJSON{Name: s.Name, Schedule: s.Schedule, NextRun: s.NextRun, Late: s.Late, LateAfterSeconds: s.LateAfter.Seconds(),
			LastSuccess: s.LastSuccess, Runs: []jobRunJSON{}}
		if r := s.LastRun; r != nil {
			run := toJobRunJSON(*r)
			j.LastRun = &run
		}
		if h.runs != nil {
			runs, err := h.runs(ctx, s.Name, jobHistory)
			if err != nil {
				return err
			}
			for _, r := range runs {
				j.Runs = append(j.Runs, toJobRunJSON(r))
			}
		}
		out[i] = j
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"jobs": out})
}

package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/jobs"
)

// jobsHandler serves the staff view of scheduled jobs.
type jobsHandler struct {
	status func(ctx context.Context) ([]jobs.Status, error)
	auth   *authenticator
}

type jobRunJSON struct {
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Status     string     `json:"status"`
	Error      string     `json:"error,omitempty"`
}

type jobJSON struct {
	Name             string      `json:"name"`
	Late             bool        `json:"late"`
	LateAfterSeconds float64     `json:"late_after_seconds,omitempty"`
	LastRun          *jobRunJSON `json:"last_run"`
	LastSuccess      *time.Time  `json:"last_success"`
}

// list is GET /api/admin/jobs: every job with its last run, last success
// and whether it is late. Staff (admin users) only.
func (h *jobsHandler) list(c echo.Context) error {
	u, err := h.auth.user(c)
	if err != nil {
		return err
	}
	if !u.Admin {
		return apiError(http.StatusForbidden, "forbidden", "only staff (admin users) may see the scheduled jobs")
	}
	if h.status == nil {
		return apiError(http.StatusServiceUnavailable, "jobs_not_running", "the scheduler is not running in this process")
	}
	st, err := h.status(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]jobJSON, len(st))
	for i, s := range st {
		j := jobJSON{Name: s.Name, Late: s.Late, LateAfterSeconds: s.LateAfter.Seconds(), LastSuccess: s.LastSuccess}
		if r := s.LastRun; r != nil {
			j.LastRun = &jobRunJSON{StartedAt: r.StartedAt, Status: r.Status, Error: r.Error}
			if !r.FinishedAt.IsZero() {
				t := r.FinishedAt
				j.LastRun.FinishedAt = &t
			}
		}
		out[i] = j
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"jobs": out})
}

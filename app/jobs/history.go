package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/store"
)

// Recorder keeps the history of runs: the app database, shared by the
// replicas, so that lateness and the staff view tell the truth whichever
// replica ran a job.
type Recorder interface {
	StartJobRun(ctx context.Context, job string, at time.Time) (int64, error)
	FinishJobRun(ctx context.Context, id int64, at time.Time, status, errText string) error
	LastJobRuns(ctx context.Context) (last, lastOK map[string]store.JobRun, err error)
}

// Status is what is known of a job: its newest run, its newest success,
// and whether it is late (no success for longer than LateAfter).
type Status struct {
	Name        string        `json:"name"`
	Schedule    string        `json:"schedule"` // "every 5m0s", "cron 7 * * * * (UTC)"; "" if unknown
	NextRun     *time.Time    `json:"next_run"` // in this process; nil before Start or when none
	LateAfter   time.Duration `json:"-"`
	LastRun     *store.JobRun `json:"last_run"`
	LastSuccess *time.Time    `json:"last_success"`
	Late        bool          `json:"late"`
}

// history records runs and exports them as metrics.
type history struct {
	rec Recorder
	now func() time.Time

	runs     *prometheus.CounterVec
	duration *prometheus.GaugeVec

	mu          sync.Mutex
	lastSuccess map[string]time.Time // as seen by this process, loaded from rec at start
}

func newHistory(rec Recorder, reg prometheus.Registerer, jobs []Job, now func() time.Time) (*history, error) {
	h := &history{
		rec: rec, now: now, lastSuccess: map[string]time.Time{},
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "footfall_job_runs_total", Help: "Runs of scheduled jobs by this process, by job and status (ok, failed).",
		}, []string{"job", "status"}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "footfall_job_last_duration_seconds", Help: "How long the last run of each job took in this process.",
		}, []string{"job"}),
	}
	if reg == nil {
		return h, nil
	}
	lateAfter := map[string]time.Duration{}
	for _, j := range jobs {
		lateAfter[j.Name] = j.LateAfter
	}
	collectors := []prometheus.Collector{h.runs, h.duration,
		newFuncCollector(prometheus.GaugeOpts{Name: "footfall_job_last_success_timestamp_seconds",
			Help: "Unix time of each job's last successful run (any replica, as of this process's start and its own runs)."},
			func() map[string]float64 {
				out := map[string]float64{}
				for job, t := range h.snapshot() {
					out[job] = float64(t.UnixNano()) / 1e9
				}
				return out
			}),
		newFuncCollector(prometheus.GaugeOpts{Name: "footfall_job_late",
			Help: "1 when a job has not succeeded for longer than its lateness threshold."},
			func() map[string]float64 {
				out := map[string]float64{}
				last := h.snapshot()
				for job, d := range lateAfter {
					if d > 0 {
						out[job] = boolFloat(isLate(last[job], d, h.now()))
					}
				}
				return out
			}),
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("jobs: metrics: %w", err)
		}
	}
	return h, nil
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// isLate: no success within d of now (a job that never succeeded is late
// once d has passed since the process knew of it; see load).
func isLate(last time.Time, d time.Duration, now time.Time) bool {
	return d > 0 && now.Sub(last) > d
}

func (h *history) snapshot() map[string]time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]time.Time, len(h.lastSuccess))
	for k, v := range h.lastSuccess {
		out[k] = v
	}
	return out
}

// load reads the last successes recorded by any replica. A job with none
// counts from now, so a new installation is not late from its first
// second.
func (h *history) load(ctx context.Context, jobs []Job) error {
	last := map[string]store.JobRun{}
	if h.rec != nil {
		var err error
		if _, last, err = h.rec.LastJobRuns(ctx); err != nil {
			return fmt.Errorf("jobs: read run history: %w", err)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, j := range jobs {
		if r, ok := last[j.Name]; ok && !r.FinishedAt.IsZero() {
			h.lastSuccess[j.Name] = r.FinishedAt
		} else if _, ok := h.lastSuccess[j.Name]; !ok {
			h.lastSuccess[j.Name] = h.now()
		}
	}
	return nil
}

// start records the beginning of a run; the returned function records its
// end. Failing to record is logged by the caller, never fatal to the job.
func (h *history) start(ctx context.Context, job string) (finish func(err error) error, recErr error) {
	begun := h.now()
	var id int64
	if h.rec != nil {
		id, recErr = h.rec.StartJobRun(ctx, job, begun)
	}
	return func(runErr error) error {
		end := h.now()
		status, text := store.JobOK, ""
		if runErr != nil {
			status, text = store.JobFailed, runErr.Error()
		}
		h.runs.WithLabelValues(job, status).Inc()
		h.duration.WithLabelValues(job).Set(end.Sub(begun).Seconds())
		if runErr == nil {
			h.mu.Lock()
			h.lastSuccess[job] = end
			h.mu.Unlock()
		}
		if h.rec == nil || recErr != nil {
			return nil
		}
		// The run's context may be over (a timeout): record regardless.
		return h.rec.FinishJobRun(context.WithoutCancel(ctx), id, end, status, text)
	}, recErr
}

// funcCollector exports one gauge per job from a function.
type funcCollector struct {
	desc *prometheus.Desc
	f    func() map[string]float64
}

func newFuncCollector(o prometheus.GaugeOpts, f func() map[string]float64) *funcCollector {
	return &funcCollector{desc: prometheus.NewDesc(o.Name, o.Help, []string{"job"}, nil), f: f}
}

func (c *funcCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *funcCollector) Collect(ch chan<- prometheus.Metric) {
	for job, v := range c.f() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, job)
	}
}

// Package jobs runs Footfall's scheduled work (salt rotation, session
// sweeps, and later rollups, retention, reports) on gocron, with one
// registry of named jobs, a timeout per run and a log line per failure.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/store"
)

// Job is one named piece of scheduled work.
type Job struct {
	Name     string
	Schedule gocron.JobDefinition
	Timeout  time.Duration
	Run      func(ctx context.Context) error
	// LateAfter flags the job as late (metric, staff view) when it has not
	// succeeded for that long; at start, a job already late runs once at
	// once (a missed daily run catches up once, not once per missed day).
	// 0: never late, no catch-up.
	LateAfter time.Duration
	// AtStart runs the job once when the scheduler starts, then on
	// schedule.
	AtStart bool
}

// Scheduler runs jobs until Shutdown.
type Scheduler struct {
	s      gocron.Scheduler
	logger *slog.Logger
	jobs   []Job
	hist   *history
	now    func() time.Time
	beat   *Heartbeat
}

// Ping makes every run ping h (nil: none). Call it before Start.
func (sc *Scheduler) Ping(h *Heartbeat) { sc.beat = h }

// Observe records every run in rec (nil: none) and registers the jobs'
// metrics on reg (nil: none). Call it before Start.
func (sc *Scheduler) Observe(rec Recorder, reg prometheus.Registerer) error {
	h, err := newHistory(rec, reg, sc.jobs, sc.now)
	if err != nil {
		return err
	}
	sc.hist = h
	return nil
}

// Status reports every job's newest run, newest success and lateness, as
// the run history (all replicas) has them.
func (sc *Scheduler) Status(ctx context.Context) ([]Status, error) {
	var last, lastOK map[string]store.JobRun
	if sc.hist != nil && sc.hist.rec != nil {
		var err error
		if last, lastOK, err = sc.hist.rec.LastJobRuns(ctx); err != nil {
			return nil, fmt.Errorf("jobs: status: %w", err)
		}
	}
	next := sc.nextRuns()
	out := make([]Status, 0, len(sc.jobs))
	for _, j := range sc.jobs {
		st := Status{Name: j.Name, LateAfter: j.LateAfter, Schedule: describe(j.Schedule)}
		if t, ok := next[j.Name]; ok {
			st.NextRun = &t
		}
		if r, ok := last[j.Name]; ok {
			st.LastRun = &r
		}
		if r, ok := lastOK[j.Name]; ok && !r.FinishedAt.IsZero() {
			t := r.FinishedAt
			st.LastSuccess = &t
			st.Late = isLate(t, j.LateAfter, sc.now())
		} else if sc.hist != nil {
			// Never succeeded: late once LateAfter has passed since this
			// process started counting (Start), unknown before.
			if since, ok := sc.hist.snapshot()[j.Name]; ok {
				st.Late = isLate(since, j.LateAfter, sc.now())
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// nextRuns is when gocron will next start each job in this process (a
// job another replica holds the lock of may then be skipped here).
func (sc *Scheduler) nextRuns() map[string]time.Time {
	out := map[string]time.Time{}
	for _, j := range sc.s.Jobs() {
		t, err := j.NextRun()
		if err != nil || t.IsZero() {
			continue
		}
		if old, ok := out[j.Name()]; !ok || t.Before(old) {
			out[j.Name()] = t
		}
	}
	return out
}

// Cron runs on a standard five-field cron schedule, in UTC.
func Cron(spec string) gocron.JobDefinition {
	return described{gocron.CronJob(spec, false), "cron " + spec + " (UTC)"}
}

// Every runs at a fixed interval.
func Every(d time.Duration) gocron.JobDefinition {
	return described{gocron.DurationJob(d), "every " + shortDuration(d)}
}

// shortDuration is d without its zero tails: 1h, 5m, 1h30m, 20ms.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// described is a schedule that can say what it is: gocron's definitions
// are opaque, and the staff view shows the schedule.
type described struct {
	gocron.JobDefinition
	text string
}

func (d described) String() string { return d.text }

// describe says what a job's schedule is, "" when it was made elsewhere
// than Cron or Every.
func describe(def gocron.JobDefinition) string {
	if s, ok := def.(fmt.Stringer); ok {
		return s.String()
	}
	return ""
}

// New registers jobs on a UTC scheduler; call Start to begin.
func New(logger *slog.Logger, jobs ...Job) (*Scheduler, error) {
	return newScheduler(logger, nil, jobs)
}

func newScheduler(logger *slog.Logger, opts []gocron.SchedulerOption, jobs []Job) (*Scheduler, error) {
	s, err := gocron.NewScheduler(append([]gocron.SchedulerOption{gocron.WithLocation(time.UTC)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	sc := &Scheduler{s: s, logger: logger, jobs: jobs, now: time.Now}
	for _, j := range jobs {
		j := j
		opts := []gocron.JobOption{
			gocron.WithName(j.Name),
			// A slow run must not pile up copies of itself.
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
		}
		if j.AtStart {
			opts = append(opts, gocron.WithStartAt(gocron.WithStartImmediately()))
		}
		_, err := s.NewJob(j.Schedule, gocron.NewTask(func(ctx context.Context) { sc.run(ctx, j) }), opts...)
		if err != nil {
			return nil, fmt.Errorf("jobs: register %s: %w", j.Name, err)
		}
	}
	return sc, nil
}

func (sc *Scheduler) run(ctx context.Context, j Job) {
	if j.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, j.Timeout)
		defer cancel()
	}
	start := time.Now()
	finish := func(error) error { return nil }
	if sc.hist != nil {
		var err error
		if finish, err = sc.hist.start(ctx, j.Name); err != nil {
			sc.logger.Warn("recording a job run failed", "job", j.Name, "err", err)
		}
	}
	sc.heartbeat(ctx, j.Name, "start")
	err := sc.call(ctx, j)
	if recErr := finish(err); recErr != nil {
		sc.logger.Warn("recording a job run failed", "job", j.Name, "err", recErr)
	}
	if err != nil {
		sc.heartbeat(ctx, j.Name, "fail")
	} else {
		sc.heartbeat(ctx, j.Name, "")
	}
	if err != nil {
		sc.logger.Error("job failed", "job", j.Name, "duration", time.Since(start), "err", err)
		return
	}
	sc.logger.Debug("job done", "job", j.Name, "duration", time.Since(start))
}

// call runs the job, turning a panic into a failed run: logged at error
// level with its stack (and so reported, with FOOTFALL_SENTRY_DSN), recorded
// in the history, and the process goes on.
func (sc *Scheduler) call(ctx context.Context, j Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			sc.logger.Error("job panicked", "job", j.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return j.Run(ctx)
}

// heartbeat pings the outside watcher, if any; a watcher that does not
// answer is logged, never a reason to fail the job.
func (sc *Scheduler) heartbeat(ctx context.Context, job, event string) {
	if sc.beat == nil {
		return
	}
	if err := sc.beat.ping(ctx, job, event); err != nil {
		sc.logger.Warn("job heartbeat failed", "job", job, "err", err)
	}
}

// Start loads the run history, runs once each job that is already late
// (catch-up), and begins running jobs on schedule in the background.
func (sc *Scheduler) Start(ctx context.Context) error {
	if sc.hist != nil {
		if err := sc.hist.load(ctx, sc.jobs); err != nil {
			return err
		}
		last := sc.hist.snapshot()
		for _, j := range sc.jobs {
			if isLate(last[j.Name], j.LateAfter, sc.now()) {
				sc.logger.Info("job is late: running it once now", "job", j.Name, "last_success", last[j.Name])
				if _, err := sc.s.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartImmediately()),
					gocron.NewTask(func(ctx context.Context) { sc.run(ctx, j) }),
					gocron.WithName(j.Name)); err != nil { // the same name: the same lock across replicas
					return fmt.Errorf("jobs: catch up %s: %w", j.Name, err)
				}
			}
		}
	}
	sc.s.Start()
	return nil
}

// Shutdown stops scheduling and waits for running jobs (they see their
// context cancelled).
func (sc *Scheduler) Shutdown() error { return sc.s.Shutdown() }

// Package jobs runs Footfall's scheduled work (salt rotation, session
// sweeps, and later rollups, retention, reports) on gocron, with one
// registry of named jobs, a timeout per run and a log line per failure.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// Job is one named piece of scheduled work.
type Job struct {
	Name     string
	Schedule gocron.JobDefinition
	Timeout  time.Duration
	Run      func(ctx context.Context) error
}

// Scheduler runs jobs until Shutdown.
type Scheduler struct {
	s      gocron.Scheduler
	logger *slog.Logger
}

// Cron runs on a standard five-field cron schedule, in UTC.
func Cron(spec string) gocron.JobDefinition { return gocron.CronJob(spec, false) }

// Every runs at a fixed interval.
func Every(d time.Duration) gocron.JobDefinition { return gocron.DurationJob(d) }

// New registers jobs on a UTC scheduler; call Start to begin.
func New(logger *slog.Logger, jobs ...Job) (*Scheduler, error) {
	return newScheduler(logger, nil, jobs)
}

func newScheduler(logger *slog.Logger, opts []gocron.SchedulerOption, jobs []Job) (*Scheduler, error) {
	s, err := gocron.NewScheduler(append([]gocron.SchedulerOption{gocron.WithLocation(time.UTC)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	sc := &Scheduler{s: s, logger: logger}
	for _, j := range jobs {
		j := j
		_, err := s.NewJob(j.Schedule,
			gocron.NewTask(func(ctx context.Context) { sc.run(ctx, j) }),
			gocron.WithName(j.Name),
			// A slow run must not pile up copies of itself.
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
		)
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
	if err := j.Run(ctx); err != nil {
		sc.logger.Error("job failed", "job", j.Name, "duration", time.Since(start), "err", err)
		return
	}
	sc.logger.Debug("job done", "job", j.Name, "duration", time.Since(start))
}

// Start begins running jobs in the background.
func (sc *Scheduler) Start() { sc.s.Start() }

// Shutdown stops scheduling and waits for running jobs (they see their
// context cancelled).
func (sc *Scheduler) Shutdown() error { return sc.s.Shutdown() }

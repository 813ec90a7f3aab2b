package alerts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/footfallhq/footfall/app/jobs"
	"github.com/footfallhq/footfall/store"
)

// Operator tells the operator about scheduled jobs that failed or are late
// (no success within their threshold), through the operator's channels
// (FOOTFALL_OPERATOR_EMAIL, FOOTFALL_OPERATOR_WEBHOOK_URL): once when the
// incident starts, once when the job succeeds again.
type Operator struct {
	DB       Incidents
	Notifier *Notifier
	// Channels are the operator's: SiteID and ID 0.
	Channels func(ctx context.Context) ([]store.AlertChannel, error)
	Jobs     func(ctx context.Context) ([]jobs.Status, error)
	BaseURL  string
	Now      func() time.Time
}

// JobKey is the incident key of a job.
func JobKey(job string) string { return "job:" + job }

// Run checks every job once.
func (o *Operator) Run(ctx context.Context) error {
	if o.Jobs == nil {
		return nil
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	statuses, err := o.Jobs(ctx)
	if err != nil {
		return fmt.Errorf("alerts: job status: %w", err)
	}
	var errs []error
	for _, st := range statuses {
		failed := st.LastRun != nil && st.LastRun.Status == store.JobFailed
		var summary string
		switch {
		case failed && st.Late:
			summary = fmt.Sprintf("the last run failed (%s) and the job has not succeeded for longer than %s", st.LastRun.Error, st.LateAfter)
		case failed:
			summary = fmt.Sprintf("the last run, started %s, failed: %s", when(st.LastRun.StartedAt), st.LastRun.Error)
		case st.Late:
			summary = fmt.Sprintf("no successful run for longer than %s", st.LateAfter)
		default:
			summary = "the job succeeds again"
		}
		note := Notification{Title: "Job " + st.Name + " " + map[bool]string{true: "is late", false: "failed"}[st.Late && !failed],
			Summary: summary, URL: o.BaseURL + "/api/admin/jobs"}
		if !failed && !st.Late {
			note.Title = "Job " + st.Name
		}
		err := Transition(ctx, o.DB, JobKey(st.Name), 0, 0, failed || st.Late, summary, 0, now, note, func(n Notification) error {
			if n.Event == store.DeliveryRecovered {
				n.Title = "Job " + st.Name + " is running again"
			}
			return o.send(ctx, n)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", st.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (o *Operator) send(ctx context.Context, n Notification) error {
	if o.Channels == nil {
		return nil
	}
	channels, err := o.Channels(ctx)
	if err != nil {
		return err
	}
	for _, c := range channels {
		o.Notifier.Send(ctx, c, n)
	}
	return nil
}

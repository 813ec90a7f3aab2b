package app

import (
	"context"
	"time"

	"github.com/footfallhq/footfall/app/jobs"
)

// Mail housekeeping: how long delivered mail, and devices not seen, are
// kept.
const (
	sentMailKeep    = 30 * 24 * time.Hour
	knownDeviceKeep = 365 * 24 * time.Hour
)

// mailJobs are the outbox's scheduled jobs: retrying due mail every
// minute, and a daily prune of delivered mail, expired account tokens and
// long-unseen devices.
func (a *App) mailJobs() []jobs.Job {
	return []jobs.Job{
		{Name: "outbox_retry", Schedule: jobs.Every(time.Minute), Timeout: 5 * time.Minute, LateAfter: 15 * time.Minute, AtStart: true,
			Run: func(ctx context.Context) error {
				_, err := a.outbox.Retry(ctx)
				return err
			}},
		{Name: "mail_prune", Schedule: jobs.Cron("41 4 * * *"), Timeout: 5 * time.Minute, LateAfter: 50 * time.Hour,
			Run: func(ctx context.Context) error {
				now := time.Now()
				if _, err := a.DB.DeleteSentMailBefore(ctx, now.Add(-sentMailKeep)); err != nil {
					return err
				}
				if _, err := a.DB.DeleteExpiredAccountTokens(ctx, now); err != nil {
					return err
				}
				_, err := a.DB.ForgetDevicesBefore(ctx, now.Add(-knownDeviceKeep))
				return err
			}},
	}
}

package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/alerts"
	"github.com/footfallhq/footfall/app/jobs"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/reports"
	"github.com/footfallhq/footfall/store"
)

// Alerts and reports: the wiring of app/alerts and app/reports to the
// stores, the mailer, the scheduler's status and the configuration.

// webhookTimeout bounds one webhook request; with retries a delivery
// stays well inside the five minutes between evaluations.
const webhookTimeout = 10 * time.Second

// Notifier returns the alert notifier: email through a.Mail, webhooks
// through the SSRF-guarded client (FOOTFALL_ALERTS_ALLOW_PRIVATE lifts
// the guard), every delivery logged in the app database.
func (a *App) Notifier() *alerts.Notifier {
	return &alerts.Notifier{
		Log:    a.DB,
		HTTP:   alerts.NewHTTPClient(a.Config.AlertsPrivateAllowed(), webhookTimeout),
		Logger: a.Logger.With("component", "alerts"),
		SendMail: func(ctx context.Context, e alerts.Email) error {
			if a.Mail == nil {
				return errors.New("mail is not set up")
			}
			return a.Mail.Send(ctx, mail.Message{To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Kind: "alert"})
		},
	}
}

// ReportTokens signs report links (unsubscribe, chart) with a key derived
// from the secret key, so they survive restarts and work on every replica.
func (a *App) ReportTokens() (reports.Tokens, error) {
	secret, err := a.SecretKey()
	if err != nil {
		return reports.Tokens{}, err
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("footfall report links"))
	return reports.Tokens{Key: m.Sum(nil)}, nil
}

// ReportBuilder builds reports through the stats engine; OpenEvents must
// have run.
func (a *App) ReportBuilder() (*reports.Builder, error) {
	tokens, err := a.ReportTokens()
	if err != nil {
		return nil, err
	}
	return &reports.Builder{Stats: a.Stats, BaseURL: a.baseURL(), Tokens: tokens}, nil
}

// ReportSender sends the email reports that are due (the email_reports
// job); OpenEvents must have run.
func (a *App) ReportSender() (*reports.Sender, error) {
	b, err := a.ReportBuilder()
	if err != nil {
		return nil, err
	}
	return &reports.Sender{DB: a.DB, Builder: b, Send: a.sendReport, BaseURL: a.baseURL(), Logger: a.Logger.With("component", "reports")}, nil
}

func (a *App) baseURL() string { return strings.TrimRight(a.Config.BaseURL, "/") }

func (a *App) sendReport(ctx context.Context, e reports.Email) error {
	if a.Mail == nil {
		return errors.New("mail is not set up")
	}
	return a.Mail.Send(ctx, mail.Message{To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Kind: "report", ListUnsubscribe: e.ListUnsubscribe})
}

// operatorEmails is FOOTFALL_OPERATOR_EMAIL, or every administrator's
// address when it is unset.
func (a *App) operatorEmails(ctx context.Context) ([]string, error) {
	if to := alerts.SplitEmails(a.Config.OperatorEmail); len(to) > 0 {
		return to, nil
	}
	users, err := a.DB.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, u := range users {
		if u.Admin {
			to = append(to, u.Email)
		}
	}
	return to, nil
}

// OperatorChannels are where job alerts go: the operator's addresses and
// FOOTFALL_OPERATOR_WEBHOOK_URL (Slack's format for hooks.slack.com, the
// signed JSON webhook otherwise).
func (a *App) OperatorChannels(ctx context.Context) ([]store.AlertChannel, error) {
	var out []store.AlertChannel
	to, err := a.operatorEmails(ctx)
	if err != nil {
		return nil, err
	}
	if len(to) > 0 {
		out = append(out, store.AlertChannel{Kind: store.ChannelEmail, Name: "operator", Target: strings.Join(to, ",")})
	}
	if hook := a.Config.OperatorWebhookURL; hook != "" {
		kind := store.ChannelWebhook
		if u, err := url.Parse(hook); err == nil && u.Hostname() == "hooks.slack.com" {
			kind = store.ChannelSlack
		}
		out = append(out, store.AlertChannel{Kind: kind, Name: "operator", Target: hook, Secret: a.Config.OperatorWebhookSecret})
	}
	return out, nil
}

// jobStatus reports the scheduler's jobs (none before it started).
func (a *App) jobStatus(ctx context.Context) ([]jobs.Status, error) {
	if a.Scheduler == nil {
		return nil, nil
	}
	return a.Scheduler.Status(ctx)
}

// StaffDigest is the operator's daily digest (the staff_digest job); in
// hosted mode, with billing on, it includes the MRR and the accounts over
// quota.
func (a *App) StaffDigest() *reports.Staff {
	staff := &reports.Staff{DB: a.DB, Events: a.Events, Jobs: a.jobStatus, Recipients: a.operatorEmails, Send: a.sendReport,
		BaseURL: a.baseURL(), Billing: a.billingDigest}
	if a.Queue != nil {
		staff.QueueDepth = a.Queue.Depth
	}
	return staff
}

// alertJobs are the scheduled jobs of alerts and reports.
func (a *App) alertJobs() []jobs.Job {
	notifier := a.Notifier()
	logger := a.Logger.With("component", "alerts")
	evaluator := &alerts.Evaluator{DB: a.DB, Events: a.Events, Notifier: notifier, BaseURL: a.baseURL(), Logger: logger}
	operator := &alerts.Operator{DB: a.DB, Notifier: notifier, Channels: a.OperatorChannels, Jobs: a.jobStatus, BaseURL: a.baseURL()}
	staff := a.StaffDigest()
	return []jobs.Job{
		// Operator alerts first: a site rule that cannot be evaluated must
		// not keep the operator from hearing about a failed backup.
		{Name: "alert_evaluation", Schedule: jobs.Every(5 * time.Minute), Timeout: 4 * time.Minute, LateAfter: 30 * time.Minute,
			Run: func(ctx context.Context) error {
				opErr := operator.Run(ctx)
				// The delivery log keeps 30 days.
				_, pruneErr := a.DB.DeleteDeliveriesBefore(ctx, time.Now().AddDate(0, 0, -30))
				return errors.Join(opErr, pruneErr, evaluator.Run(ctx))
			}},
		// Hourly: each report goes from 07:00 in its site's zone, once.
		{Name: "email_reports", Schedule: jobs.Cron("7 * * * *"), Timeout: 30 * time.Minute, LateAfter: 3 * time.Hour,
			Run: func(ctx context.Context) error {
				s, err := a.ReportSender()
				if err != nil {
					return err
				}
				return s.Run(ctx)
			}},
		{Name: "staff_digest", Schedule: jobs.Cron("0 6 * * *"), Timeout: 10 * time.Minute, LateAfter: 26 * time.Hour, Run: staff.Run},
	}
}

// billingDigest is the staff digest's billing section: the MRR and the
// accounts over quota, from the staff billing report; nil when billing is
// off (self-hosted). Read at call time: tests replace a.Billing.
func (a *App) billingDigest(ctx context.Context) (*reports.BillingDigest, error) {
	if a.Billing == nil || !a.Billing.Enabled() {
		return nil, nil
	}
	rows, mrr, err := a.Billing.StaffReport(ctx)
	if err != nil {
		return nil, err
	}
	d := reports.BillingDigest{MRRCents: mrr, Accounts: len(rows)}
	for _, r := range rows {
		if r.MRRCents > 0 {
			d.Paying++
		}
		if r.Capacity == store.CapacityOK {
			continue
		}
		q := reports.QuotaAccount{AccountID: r.AccountID, Plan: r.Plan, Capacity: r.Capacity, Used: r.Used, Limit: r.Limit}
		if acct, err := a.DB.AccountByID(ctx, r.AccountID); err == nil {
			q.Name = acct.Name
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if !r.GraceUntil.IsZero() && r.Capacity == store.CapacityGrace {
			q.GraceUntil = r.GraceUntil.UTC().Format("2006-01-02 15:04 UTC")
		}
		d.OverQuota = append(d.OverQuota, q)
	}
	return &d, nil
}

package store

import (
	"context"
	"time"
)

// AlertChannel is a place a site's alerts go: email addresses, a Slack
// incoming webhook, or a generic HTTPS webhook signed with Secret.
type AlertChannel struct {
	ID     int64
	SiteID int64
	Kind   string // ChannelEmail, ChannelSlack or ChannelWebhook
	Name   string
	// Target is the comma-separated addresses of an email channel, or the
	// URL of a webhook.
	Target string
	// Secret signs a generic webhook's requests (HMAC-SHA256); "" for
	// other kinds.
	Secret    string
	CreatedAt time.Time
}

// Alert channel kinds.
const (
	ChannelEmail   = "email"
	ChannelSlack   = "slack"
	ChannelWebhook = "webhook"
)

// AlertRule is a condition on a site's traffic that raises an incident
// while it holds. Params is JSON owned by app/alerts (thresholds, windows);
// the store keeps it as given.
type AlertRule struct {
	ID      int64
	SiteID  int64
	Kind    string // see app/alerts
	Name    string
	Params  string // JSON object
	Enabled bool
	// ChannelIDs are the site's channels to notify; empty: all of them.
	ChannelIDs []int64
	// Cooldown is how long after an incident ends a new one of the same
	// rule is not raised, so a value wavering around a threshold does not
	// alert again and again.
	Cooldown  time.Duration
	CreatedAt time.Time
}

// Incident is one stretch of time a condition held: an alert rule's, or
// an operator condition's (a job failed or late). Key names the condition
// ("rule:12", "job:backup"); at most one incident per key is open
// (ResolvedAt zero) at a time, which is how one incident sends one alert.
type Incident struct {
	ID         int64
	Key        string
	SiteID     int64 // 0 for operator incidents
	RuleID     int64 // 0 unless raised by a rule
	Summary    string
	StartedAt  time.Time
	ResolvedAt time.Time // zero while open
}

// Delivery is one notification sent (or not) to one channel, after its
// retries: the delivery log.
type Delivery struct {
	ID         int64
	SiteID     int64 // 0: the operator's channels
	ChannelID  int64 // 0: the operator's channels
	IncidentID int64 // 0: a test notification
	Kind       string
	Event      string // DeliveryAlert, DeliveryRecovered or DeliveryTest
	Target     string // where it went, without secrets
	Attempts   int
	Status     string // DeliveryOK or DeliveryFailed
	StatusCode int    // the last HTTP status, 0 for mail or no answer
	Error      string
	CreatedAt  time.Time
}

// Delivery events and statuses.
const (
	DeliveryAlert     = "alert"
	DeliveryRecovered = "recovered"
	DeliveryTest      = "test"
	DeliveryOK        = "ok"
	DeliveryFailed    = "failed"
)

// ReportSubscription sends a site's periodic email report to Email.
type ReportSubscription struct {
	ID        int64
	SiteID    int64
	Email     string // lower case
	Frequency string // ReportDaily, ReportWeekly or ReportMonthly
	CreatedAt time.Time
}

// Report frequencies.
const (
	ReportDaily   = "daily"
	ReportWeekly  = "weekly"
	ReportMonthly = "monthly"
)

// Alerts stores alert rules and channels, incidents, the delivery log,
// report subscriptions and the record of report periods sent. Like the
// rest of App, lookups of missing rows return ErrNotFound and uniqueness
// violations ErrConflict; a SiteID naming no site is ErrNotFound; rows of
// a site go when the site does. Lists are oldest first (by ID) unless
// said otherwise, and empty lists have length 0.
type Alerts interface {
	// CreateAlertChannel stores c with a new ID and returns it as stored
	// (CreatedAt now if zero, millisecond precision).
	CreateAlertChannel(ctx context.Context, c AlertChannel) (AlertChannel, error)
	ListAlertChannels(ctx context.Context, siteID int64) ([]AlertChannel, error)
	// UpdateAlertChannel replaces the name, target and secret of the
	// site's channel c.ID; ErrNotFound if the site has no such channel.
	UpdateAlertChannel(ctx context.Context, c AlertChannel) error
	DeleteAlertChannel(ctx context.Context, siteID, id int64) error

	// CreateAlertRule stores r with a new ID, like CreateAlertChannel.
	CreateAlertRule(ctx context.Context, r AlertRule) (AlertRule, error)
	ListAlertRules(ctx context.Context, siteID int64) ([]AlertRule, error)
	// UpdateAlertRule replaces the name, params, enabled flag, channels
	// and cooldown of the site's rule r.ID; ErrNotFound if none.
	UpdateAlertRule(ctx context.Context, r AlertRule) error
	// DeleteAlertRule removes the rule and its incidents.
	DeleteAlertRule(ctx context.Context, siteID, id int64) error

	// OpenIncident stores a new open incident (ResolvedAt is ignored) and
	// returns it; ErrConflict if an incident with the same key is open.
	// Of concurrent openers at most one succeeds.
	OpenIncident(ctx context.Context, in Incident) (Incident, error)
	// LastIncident returns the newest incident with key, open or not;
	// ErrNotFound if there has been none.
	LastIncident(ctx context.Context, key string) (Incident, error)
	// ResolveIncident closes open incident id at at; ErrNotFound if it is
	// not open (already resolved, by this caller or a concurrent one).
	ResolveIncident(ctx context.Context, id int64, at time.Time) error
	// ListIncidents returns the site's newest incidents first, at most
	// limit.
	ListIncidents(ctx context.Context, siteID int64, limit int) ([]Incident, error)

	// AddDelivery appends d to the delivery log and returns it with its
	// ID (CreatedAt now if zero).
	AddDelivery(ctx context.Context, d Delivery) (Delivery, error)
	// ListDeliveries returns the site's deliveries newest first (siteID
	// 0: the operator's), at most limit.
	ListDeliveries(ctx context.Context, siteID int64, limit int) ([]Delivery, error)
	// DeleteDeliveriesBefore removes log rows created before t and
	// returns how many.
	DeleteDeliveriesBefore(ctx context.Context, t time.Time) (int64, error)

	// CreateReportSubscription stores s (email lower-cased); the same
	// email and frequency twice on a site is ErrConflict.
	CreateReportSubscription(ctx context.Context, s ReportSubscription) (ReportSubscription, error)
	ListReportSubscriptions(ctx context.Context, siteID int64) ([]ReportSubscription, error)
	// ReportSubscription looks a subscription up by ID alone (the
	// unsubscribe link carries it, signed).
	ReportSubscription(ctx context.Context, id int64) (ReportSubscription, error)
	DeleteReportSubscription(ctx context.Context, siteID, id int64) error

	// ClaimPeriod records that the work named key (a report
	// subscription's, the staff digest's) is being done for period
	// ("2026-11-16"); ErrConflict if it was claimed already, so it is done
	// once across replicas and restarts. Of concurrent claimers at most
	// one succeeds.
	ClaimPeriod(ctx context.Context, key, period string, at time.Time) error
	// ReleasePeriod forgets a claim, so a period whose work failed is
	// tried again; a missing claim is not an error.
	ReleasePeriod(ctx context.Context, key, period string) error
}

package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Store is the part of the app store the evaluator needs.
type Store interface {
	ListSites(ctx context.Context) ([]store.Site, error)
	ListGoals(ctx context.Context, siteID int64) ([]store.SiteGoal, error)
	ListAlertRules(ctx context.Context, siteID int64) ([]store.AlertRule, error)
	ListAlertChannels(ctx context.Context, siteID int64) ([]store.AlertChannel, error)
	Incidents
}

// Incidents is the incident bookkeeping shared by site rules and operator
// alerts.
type Incidents interface {
	OpenIncident(ctx context.Context, in store.Incident) (store.Incident, error)
	LastIncident(ctx context.Context, key string) (store.Incident, error)
	ResolveIncident(ctx context.Context, id int64, at time.Time) error
}

// Evaluator checks every enabled rule of every site and notifies the
// rule's channels when an incident starts or ends. Run it every few
// minutes (the alert_evaluation job).
type Evaluator struct {
	DB       Store
	Events   Events
	Notifier *Notifier
	BaseURL  string // links to the dashboard
	Logger   *slog.Logger
	Now      func() time.Time
}

// RuleKey is the incident key of a rule.
func RuleKey(ruleID int64) string { return "rule:" + strconv.FormatInt(ruleID, 10) }

// Run evaluates every rule once. A rule that cannot be evaluated is logged
// and the others still run; Run then returns the errors joined.
func (e *Evaluator) Run(ctx context.Context) error {
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	sites, err := e.DB.ListSites(ctx)
	if err != nil {
		return fmt.Errorf("alerts: list sites: %w", err)
	}
	var errs []error
	for _, site := range sites {
		if err := e.site(ctx, site, now); err != nil {
			errs = append(errs, fmt.Errorf("site %s: %w", site.Domain, err))
		}
	}
	return errors.Join(errs...)
}

func (e *Evaluator) site(ctx context.Context, site store.Site, now time.Time) error {
	rules, err := e.DB.ListAlertRules(ctx, site.ID)
	if err != nil || len(rules) == 0 {
		return err
	}
	stored, err := e.DB.ListGoals(ctx, site.ID)
	if err != nil {
		return err
	}
	goals := make([]store.Goal, len(stored))
	names := make([]string, len(stored))
	for i, g := range stored {
		goals[i], names[i] = g.Goal, g.Name
	}
	var errs []error
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		if err := e.rule(ctx, site, goals, names, r, now); err != nil {
			e.logger().Warn("alert rule failed", "site", site.Domain, "rule", r.ID, "err", err)
			errs = append(errs, fmt.Errorf("rule %d: %w", r.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (e *Evaluator) rule(ctx context.Context, site store.Site, goals []store.Goal, goalNames []string, r store.AlertRule, now time.Time) error {
	var v Verdict
	p, err := ParseParams(r.Kind, []byte(r.Params), goalNames)
	if err != nil {
		// A goal deleted after the rule was made, for instance: the rule
		// cannot hold, so an open incident ends. Not an error of the job.
		e.logger().Warn("alert rule no longer valid", "site", site.Domain, "rule", r.ID, "err", err)
		v.Summary = "the rule no longer applies: " + err.Error()
	} else if v, err = Check(ctx, e.Events, site, goals, r.Kind, p, now); err != nil {
		return err
	}
	note := Notification{Site: site.Domain, RuleID: r.ID, RuleName: r.Name, RuleKind: r.Kind,
		Title: Title(r, site.Domain), Summary: v.Summary, Value: v.Value, Threshold: v.Threshold,
		URL: e.BaseURL + "/" + site.Domain}
	send := func(note Notification) error { return e.notify(ctx, site.ID, r.ChannelIDs, note) }
	return Transition(ctx, e.DB, RuleKey(r.ID), site.ID, r.ID, v.Firing, v.Summary, r.Cooldown, now, note, send)
}

// Transition moves the incident of key along with firing: it opens one
// (and sends note as an alert) when the condition starts to hold, unless
// the last one ended less than cooldown ago; it resolves the open one
// (and sends note as "recovered") when the condition no longer holds.
// Otherwise nothing happens: one incident, one alert, one recovery, even
// with several replicas evaluating at once (the store opens and resolves
// an incident once).
func Transition(ctx context.Context, db Incidents, key string, siteID, ruleID int64, firing bool, summary string,
	cooldown time.Duration, now time.Time, note Notification, send func(Notification) error) error {
	last, err := db.LastIncident(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	}
	open := err == nil && last.ResolvedAt.IsZero()
	switch {
	case firing && !open:
		if err == nil && now.Sub(last.ResolvedAt) < cooldown {
			return nil // cooling down after the last incident
		}
		in, err := db.OpenIncident(ctx, store.Incident{Key: key, SiteID: siteID, RuleID: ruleID, Summary: summary, StartedAt: now})
		if errors.Is(err, store.ErrConflict) {
			return nil // another replica opened it, and notifies
		}
		if err != nil {
			return err
		}
		note.Event, note.IncidentID, note.StartedAt = store.DeliveryAlert, in.ID, in.StartedAt
		return send(note)
	case !firing && open:
		if err := db.ResolveIncident(ctx, last.ID, now); errors.Is(err, store.ErrNotFound) {
			return nil // resolved meanwhile by another replica
		} else if err != nil {
			return err
		}
		note.Event, note.IncidentID, note.StartedAt, note.ResolvedAt = store.DeliveryRecovered, last.ID, last.StartedAt, now
		return send(note)
	}
	return nil
}

// notify sends note to the rule's channels (all of the site's when the
// rule names none). A failed delivery is in the log; it is not retried
// by the next evaluation, which would send the others twice.
func (e *Evaluator) notify(ctx context.Context, siteID int64, ids []int64, note Notification) error {
	channels, err := e.DB.ListAlertChannels(ctx, siteID)
	if err != nil {
		return err
	}
	for _, c := range channels {
		if len(ids) == 0 || slices.Contains(ids, c.ID) {
			e.Notifier.Send(ctx, c, note)
		}
	}
	return nil
}

func (e *Evaluator) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

// Title is an incident's one-line title.
func Title(r store.AlertRule, domain string) string {
	what := map[string]string{
		KindSpike: "Traffic spike", KindDrop: "Traffic drop", KindGoal: "Goal conversions",
		KindVitals: "Core Web Vitals regression", KindTrackerMissing: "Tracker missing",
	}[r.Kind]
	if what == "" {
		what = "Alert"
	}
	if name := strings.TrimSpace(r.Name); name != "" && name != what {
		return fmt.Sprintf("%s on %s: %s", what, domain, name)
	}
	return what + " on " + domain
}

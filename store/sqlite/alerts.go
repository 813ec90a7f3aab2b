package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

var _ store.Alerts = (*Store)(nil)

const (
	channelColumns  = "id, site_id, kind, name, target, secret, created_at"
	ruleColumns     = "id, site_id, kind, name, params, enabled, channel_ids, cooldown_s, created_at"
	incidentColumns = "id, key, site_id, rule_id, summary, started_at, resolved_at"
	deliveryColumns = "id, site_id, channel_id, incident_id, kind, event, target, attempts, status, status_code, error, created_at"
	reportColumns   = "id, site_id, email, frequency, created_at"
)

func scanChannel(r scanner) (store.AlertChannel, error) {
	var (
		c       store.AlertChannel
		created int64
	)
	if err := r.Scan(&c.ID, &c.SiteID, &c.Kind, &c.Name, &c.Target, &c.Secret, &created); err != nil {
		return store.AlertChannel{}, err
	}
	c.CreatedAt = fromMillis(created)
	return c, nil
}

func scanRule(r scanner) (store.AlertRule, error) {
	var (
		a                 store.AlertRule
		channels          string
		cooldown, created int64
	)
	if err := r.Scan(&a.ID, &a.SiteID, &a.Kind, &a.Name, &a.Params, &a.Enabled, &channels, &cooldown, &created); err != nil {
		return store.AlertRule{}, err
	}
	if err := json.Unmarshal([]byte(channels), &a.ChannelIDs); err != nil {
		return store.AlertRule{}, fmt.Errorf("alert rule %d: channel ids: %w", a.ID, err)
	}
	a.Cooldown = time.Duration(cooldown) * time.Second
	a.CreatedAt = fromMillis(created)
	return a, nil
}

func scanIncident(r scanner) (store.Incident, error) {
	var (
		in                store.Incident
		site, rule        sql.NullInt64
		started, resolved int64
	)
	if err := r.Scan(&in.ID, &in.Key, &site, &rule, &in.Summary, &started, &resolved); err != nil {
		return store.Incident{}, err
	}
	in.SiteID, in.RuleID = site.Int64, rule.Int64
	in.StartedAt = fromMillis(started)
	if resolved != 0 {
		in.ResolvedAt = fromMillis(resolved)
	}
	return in, nil
}

func scanDelivery(r scanner) (store.Delivery, error) {
	var (
		d       store.Delivery
		site    sql.NullInt64
		created int64
	)
	if err := r.Scan(&d.ID, &site, &d.ChannelID, &d.IncidentID, &d.Kind, &d.Event, &d.Target, &d.Attempts,
		&d.Status, &d.StatusCode, &d.Error, &created); err != nil {
		return store.Delivery{}, err
	}
	d.SiteID = site.Int64
	d.CreatedAt = fromMillis(created)
	return d, nil
}

func scanReport(r scanner) (store.ReportSubscription, error) {
	var (
		s       store.ReportSubscription
		created int64
	)
	if err := r.Scan(&s.ID, &s.SiteID, &s.Email, &s.Frequency, &created); err != nil {
		return store.ReportSubscription{}, err
	}
	s.CreatedAt = fromMillis(created)
	return s, nil
}

func channelIDs(ids []int64) string {
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// CreateAlertChannel stores c with a new ID.
func (s *Store) CreateAlertChannel(ctx context.Context, c store.AlertChannel) (store.AlertChannel, error) {
	c.CreatedAt = stamp(c.CreatedAt)
	res, err := s.write.ExecContext(ctx,
		"INSERT INTO alert_channels (site_id, kind, name, target, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		c.SiteID, c.Kind, c.Name, c.Target, c.Secret, c.CreatedAt.UnixMilli())
	if err == nil {
		c.ID, err = res.LastInsertId()
	}
	if err != nil {
		return store.AlertChannel{}, fmt.Errorf("sqlite: create alert channel of site %d: %w", c.SiteID, translate(err))
	}
	return c, nil
}

// ListAlertChannels returns the site's channels, oldest first.
func (s *Store) ListAlertChannels(ctx context.Context, siteID int64) ([]store.AlertChannel, error) {
	out, err := queryAll(ctx, s.read, scanChannel, "SELECT "+channelColumns+" FROM alert_channels WHERE site_id = ? ORDER BY id", siteID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: alert channels of site %d: %w", siteID, err)
	}
	return out, nil
}

// UpdateAlertChannel replaces a channel's name, target and secret.
func (s *Store) UpdateAlertChannel(ctx context.Context, c store.AlertChannel) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"UPDATE alert_channels SET name = ?, target = ?, secret = ? WHERE id = ? AND site_id = ?",
		c.Name, c.Target, c.Secret, c.ID, c.SiteID)); err != nil {
		return fmt.Errorf("sqlite: update alert channel %d of site %d: %w", c.ID, c.SiteID, err)
	}
	return nil
}

// DeleteAlertChannel removes a channel of the site.
func (s *Store) DeleteAlertChannel(ctx context.Context, siteID, id int64) error {
	if err := mustAffect(s.write.ExecContext(ctx, "DELETE FROM alert_channels WHERE id = ? AND site_id = ?", id, siteID)); err != nil {
		return fmt.Errorf("sqlite: delete alert channel %d of site %d: %w", id, siteID, err)
	}
	return nil
}

// CreateAlertRule stores r with a new ID.
func (s *Store) CreateAlertRule(ctx context.Context, r store.AlertRule) (store.AlertRule, error) {
	r.CreatedAt = stamp(r.CreatedAt)
	if r.ChannelIDs == nil {
		r.ChannelIDs = []int64{}
	}
	res, err := s.write.ExecContext(ctx,
		"INSERT INTO alert_rules (site_id, kind, name, params, enabled, channel_ids, cooldown_s, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		r.SiteID, r.Kind, r.Name, r.Params, r.Enabled, channelIDs(r.ChannelIDs), int64(r.Cooldown/time.Second), r.CreatedAt.UnixMilli())
	if err == nil {
		r.ID, err = res.LastInsertId()
	}
	if err != nil {
		return store.AlertRule{}, fmt.Errorf("sqlite: create alert rule of site %d: %w", r.SiteID, translate(err))
	}
	r.Cooldown = r.Cooldown.Truncate(time.Second)
	return r, nil
}

// ListAlertRules returns the site's rules, oldest first.
func (s *Store) ListAlertRules(ctx context.Context, siteID int64) ([]store.AlertRule, error) {
	out, err := queryAll(ctx, s.read, scanRule, "SELECT "+ruleColumns+" FROM alert_rules WHERE site_id = ? ORDER BY id", siteID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: alert rules of site %d: %w", siteID, err)
	}
	return out, nil
}

// UpdateAlertRule replaces a rule's settings.
func (s *Store) UpdateAlertRule(ctx context.Context, r store.AlertRule) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"UPDATE alert_rules SET name = ?, params = ?, enabled = ?, channel_ids = ?, cooldown_s = ? WHERE id = ? AND site_id = ?",
		r.Name, r.Params, r.Enabled, channelIDs(r.ChannelIDs), int64(r.Cooldown/time.Second), r.ID, r.SiteID)); err != nil {
		return fmt.Errorf("sqlite: update alert rule %d of site %d: %w", r.ID, r.SiteID, err)
	}
	return nil
}

// DeleteAlertRule removes a rule of the site and its incidents.
func (s *Store) DeleteAlertRule(ctx context.Context, siteID, id int64) error {
	if err := mustAffect(s.write.ExecContext(ctx, "DELETE FROM alert_rules WHERE id = ? AND site_id = ?", id, siteID)); err != nil {
		return fmt.Errorf("sqlite: delete alert rule %d of site %d: %w", id, siteID, err)
	}
	return nil
}

// OpenIncident stores a new open incident unless one with its key is open.
func (s *Store) OpenIncident(ctx context.Context, in store.Incident) (store.Incident, error) {
	in.StartedAt = stamp(in.StartedAt)
	in.ResolvedAt = time.Time{}
	res, err := s.write.ExecContext(ctx,
		"INSERT INTO alert_incidents (key, site_id, rule_id, summary, started_at) VALUES (?, ?, ?, ?, ?)",
		in.Key, nullID(in.SiteID), nullID(in.RuleID), in.Summary, in.StartedAt.UnixMilli())
	if err == nil {
		in.ID, err = res.LastInsertId()
	}
	if err != nil {
		return store.Incident{}, fmt.Errorf("sqlite: open incident %s: %w", in.Key, translate(err))
	}
	return in, nil
}

// LastIncident returns the newest incident with key.
func (s *Store) LastIncident(ctx context.Context, key string) (store.Incident, error) {
	in, err := scanIncident(s.read.QueryRowContext(ctx,
		"SELECT "+incidentColumns+" FROM alert_incidents WHERE key = ? ORDER BY id DESC LIMIT 1", key))
	if err != nil {
		return store.Incident{}, fmt.Errorf("sqlite: last incident %s: %w", key, translate(err))
	}
	return in, nil
}

// ResolveIncident closes an open incident.
func (s *Store) ResolveIncident(ctx context.Context, id int64, at time.Time) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"UPDATE alert_incidents SET resolved_at = ? WHERE id = ? AND resolved_at = 0", stamp(at).UnixMilli(), id)); err != nil {
		return fmt.Errorf("sqlite: resolve incident %d: %w", id, err)
	}
	return nil
}

// ListIncidents returns the site's newest incidents first.
func (s *Store) ListIncidents(ctx context.Context, siteID int64, limit int) ([]store.Incident, error) {
	out, err := queryAll(ctx, s.read, scanIncident,
		"SELECT "+incidentColumns+" FROM alert_incidents WHERE site_id = ? ORDER BY id DESC LIMIT ?", siteID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: incidents of site %d: %w", siteID, err)
	}
	return out, nil
}

// AddDelivery appends to the delivery log.
func (s *Store) AddDelivery(ctx context.Context, d store.Delivery) (store.Delivery, error) {
	d.CreatedAt = stamp(d.CreatedAt)
	res, err := s.write.ExecContext(ctx,
		"INSERT INTO alert_deliveries (site_id, channel_id, incident_id, kind, event, target, attempts, status, status_code, error, created_at)"+
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		nullID(d.SiteID), d.ChannelID, d.IncidentID, d.Kind, d.Event, d.Target, d.Attempts, d.Status, d.StatusCode, d.Error, d.CreatedAt.UnixMilli())
	if err == nil {
		d.ID, err = res.LastInsertId()
	}
	if err != nil {
		return store.Delivery{}, fmt.Errorf("sqlite: log delivery: %w", translate(err))
	}
	return d, nil
}

// ListDeliveries returns the site's deliveries newest first (0: the
// operator's).
func (s *Store) ListDeliveries(ctx context.Context, siteID int64, limit int) ([]store.Delivery, error) {
	where := "site_id = ?"
	args := []any{siteID, limit}
	if siteID == 0 {
		where, args = "site_id IS NULL", []any{limit}
	}
	out, err := queryAll(ctx, s.read, scanDelivery,
		"SELECT "+deliveryColumns+" FROM alert_deliveries WHERE "+where+" ORDER BY id DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: deliveries of site %d: %w", siteID, err)
	}
	return out, nil
}

// DeleteDeliveriesBefore prunes the delivery log.
func (s *Store) DeleteDeliveriesBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, "DELETE FROM alert_deliveries WHERE created_at < ?", t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune deliveries: %w", err)
	}
	return res.RowsAffected()
}

// CreateReportSubscription stores a subscription.
func (s *Store) CreateReportSubscription(ctx context.Context, r store.ReportSubscription) (store.ReportSubscription, error) {
	r.CreatedAt = stamp(r.CreatedAt)
	r.Email = strings.ToLower(r.Email)
	res, err := s.write.ExecContext(ctx,
		"INSERT INTO report_subscriptions (site_id, email, frequency, created_at) VALUES (?, ?, ?, ?)",
		r.SiteID, r.Email, r.Frequency, r.CreatedAt.UnixMilli())
	if err == nil {
		r.ID, err = res.LastInsertId()
	}
	if err != nil {
		return store.ReportSubscription{}, fmt.Errorf("sqlite: subscribe %s to site %d: %w", r.Email, r.SiteID, translate(err))
	}
	return r, nil
}

// ListReportSubscriptions returns the site's subscriptions, oldest first.
func (s *Store) ListReportSubscriptions(ctx context.Context, siteID int64) ([]store.ReportSubscription, error) {
	out, err := queryAll(ctx, s.read, scanReport, "SELECT "+reportColumns+" FROM report_subscriptions WHERE site_id = ? ORDER BY id", siteID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: report subscriptions of site %d: %w", siteID, err)
	}
	return out, nil
}

// ReportSubscription looks a subscription up by ID.
func (s *Store) ReportSubscription(ctx context.Context, id int64) (store.ReportSubscription, error) {
	r, err := scanReport(s.read.QueryRowContext(ctx, "SELECT "+reportColumns+" FROM report_subscriptions WHERE id = ?", id))
	if err != nil {
		return store.ReportSubscription{}, fmt.Errorf("sqlite: report subscription %d: %w", id, translate(err))
	}
	return r, nil
}

// DeleteReportSubscription removes a subscription of the site.
func (s *Store) DeleteReportSubscription(ctx context.Context, siteID, id int64) error {
	if err := mustAffect(s.write.ExecContext(ctx, "DELETE FROM report_subscriptions WHERE id = ? AND site_id = ?", id, siteID)); err != nil {
		return fmt.Errorf("sqlite: delete report subscription %d of site %d: %w", id, siteID, err)
	}
	return nil
}

// ClaimPeriod records that key's work for period is being done.
func (s *Store) ClaimPeriod(ctx context.Context, key, period string, at time.Time) error {
	if _, err := s.write.ExecContext(ctx, "INSERT INTO sent_periods (key, period, sent_at) VALUES (?, ?, ?)",
		key, period, stamp(at).UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: claim %s for %s: %w", key, period, translate(err))
	}
	return nil
}

// ReleasePeriod forgets a claim.
func (s *Store) ReleasePeriod(ctx context.Context, key, period string) error {
	if _, err := s.write.ExecContext(ctx, "DELETE FROM sent_periods WHERE key = ? AND period = ?", key, period); err != nil {
		return fmt.Errorf("sqlite: release %s for %s: %w", key, period, err)
	}
	return nil
}

package reports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Email is one message for the mailer; the application hands it to
// app/mail.
type Email struct {
	To              []string
	Subject         string
	Text, HTML      string
	ListUnsubscribe string // one-click unsubscribe URL (RFC 8058), or ""
}

// Store is the part of the app store the report job needs.
type Store interface {
	ListSites(ctx context.Context) ([]store.Site, error)
	ListGoals(ctx context.Context, siteID int64) ([]store.SiteGoal, error)
	ListReportSubscriptions(ctx context.Context, siteID int64) ([]store.ReportSubscription, error)
	ClaimPeriod(ctx context.Context, key, period string, at time.Time) error
	ReleasePeriod(ctx context.Context, key, period string) error
}

// Sender sends the reports that are due: each subscription's last
// complete period in its site's time zone, from SendHour local time, once
// (the period is claimed in the store before sending, so restarts, a
// catch-up run and other replicas do not send it again).
type Sender struct {
	DB      Store
	Builder *Builder
	Send    func(ctx context.Context, e Email) error
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
}

// SubscriptionKey is the record key of a subscription's sent periods.
func SubscriptionKey(id int64) string { return "report:" + strconv.FormatInt(id, 10) }

// Run sends every report due now. A report that fails is released, to be
// tried at the next run; the others still go.
func (s *Sender) Run(ctx context.Context) error {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	sites, err := s.DB.ListSites(ctx)
	if err != nil {
		return fmt.Errorf("reports: list sites: %w", err)
	}
	var errs []error
	for _, site := range sites {
		if err := s.site(ctx, site, now); err != nil {
			errs = append(errs, fmt.Errorf("reports of %s: %w", site.Domain, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Sender) site(ctx context.Context, site store.Site, now time.Time) error {
	subs, err := s.DB.ListReportSubscriptions(ctx, site.ID)
	if err != nil || len(subs) == 0 {
		return err
	}
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil || site.TimeZone == "" {
		loc = time.UTC
	}
	built := map[string]Report{} // by period key: one build for all recipients
	var errs []error
	for _, sub := range subs {
		p := LastComplete(sub.Frequency, now, loc)
		if !p.Due(now) {
			continue
		}
		key := SubscriptionKey(sub.ID)
		if err := s.DB.ClaimPeriod(ctx, key, p.Key(), now); errors.Is(err, store.ErrConflict) {
			continue // sent already
		} else if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.send(ctx, site, sub, p, built); err != nil {
			errs = append(errs, fmt.Errorf("subscription %d: %w", sub.ID, err))
			if rerr := s.DB.ReleasePeriod(context.WithoutCancel(ctx), key, p.Key()); rerr != nil {
				errs = append(errs, rerr)
			}
			continue
		}
		s.logger().Info("report sent", "site", site.Domain, "frequency", sub.Frequency, "period", p.Key(), "subscription", sub.ID)
	}
	return errors.Join(errs...)
}

func (s *Sender) send(ctx context.Context, site store.Site, sub store.ReportSubscription, p Period, built map[string]Report) error {
	r, ok := built[p.Key()]
	if !ok {
		goals, err := s.DB.ListGoals(ctx, site.ID)
		if err != nil {
			return err
		}
		if r, err = s.Builder.Build(ctx, site, p, len(goals) > 0); err != nil {
			return err
		}
		built[p.Key()] = r
	}
	r.Recipient = sub.Email
	r.UnsubscribeURL = UnsubscribeURL(s.BaseURL, s.Builder.Tokens, sub.ID)
	out, err := Render(r)
	if err != nil {
		return err
	}
	return s.Send(ctx, Email{To: []string{sub.Email}, Subject: out.Subject, Text: out.Text, HTML: out.HTML, ListUnsubscribe: r.UnsubscribeURL})
}

// UnsubscribePath is where unsubscribe links point (GET shows a
// confirmation, POST unsubscribes, as RFC 8058's one-click does).
const UnsubscribePath = "/api/reports/unsubscribe"

// UnsubscribeURL is subscription id's one-click unsubscribe link.
func UnsubscribeURL(baseURL string, t Tokens, id int64) string {
	return baseURL + UnsubscribePath + "?t=" + t.Unsubscribe(id)
}

func (s *Sender) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/footfallhq/footfall/store"
)

// UsagePeriod returns the month-long usage period containing now. Periods
// start on the anchor's day of the month and time of day (the
// subscription's start, so usage resets with the invoice; the first of
// the month, UTC, without one); a day the month lacks (the 31st) falls on
// its last day. Yearly subscriptions have monthly periods too: the limits
// are per month.
func UsagePeriod(anchor, now time.Time) (start, end time.Time) {
	anchor, now = anchor.UTC(), now.UTC()
	if anchor.IsZero() {
		anchor = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	n := (now.Year()-anchor.Year())*12 + int(now.Month()) - int(anchor.Month())
	for monthAfter(anchor, n).After(now) {
		n--
	}
	for !monthAfter(anchor, n+1).After(now) {
		n++
	}
	return monthAfter(anchor, n), monthAfter(anchor, n+1)
}

// monthAfter is anchor moved n months, its day clamped to the month's end.
func monthAfter(anchor time.Time, n int) time.Time {
	first := time.Date(anchor.Year(), anchor.Month()+time.Month(n), 1, anchor.Hour(), anchor.Minute(), anchor.Second(), 0, time.UTC)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return first.AddDate(0, 0, min(anchor.Day(), last)-1)
}

// Meter measures every account's events in its current usage period,
// stores the figures and applies the capacity policy: the
// usage_metering job, every 15 minutes. It counts per site in the events
// store (a range count on the site-first sort key) and adds the sites up.
// One account's failure does not stop the others.
func (s *Service) Meter(ctx context.Context) error {
	if !s.cfg.Enabled {
		return nil
	}
	ids, err := s.cfg.Directory.AccountIDs(ctx)
	if err != nil {
		return fmt.Errorf("billing: list accounts: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := s.MeterAccount(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// MeterAccount measures one account now (see Meter) and returns its usage.
func (s *Service) MeterAccount(ctx context.Context, accountID int64) (store.Usage, error) {
	p, err := s.profile(ctx, accountID)
	if err != nil {
		return store.Usage{}, err
	}
	now := s.cfg.Now()
	start, end := UsagePeriod(p.PeriodStart, now)
	sites, err := s.cfg.Directory.AccountSites(ctx, accountID)
	if err != nil {
		return store.Usage{}, fmt.Errorf("billing: sites of account %d: %w", accountID, err)
	}
	u := store.Usage{AccountID: accountID, PeriodStart: start, PeriodEnd: end, MeasuredAt: now}
	for _, site := range sites {
		n, err := s.cfg.Events.Count(ctx, site, start, end)
		if err != nil {
			return store.Usage{}, fmt.Errorf("billing: count events of site %d: %w", site, err)
		}
		u.Events += n
	}
	if err := s.cfg.Store.PutUsage(ctx, u); err != nil {
		return store.Usage{}, fmt.Errorf("billing: store usage of account %d: %w", accountID, err)
	}
	if _, err := s.assess(ctx, accountID, u); err != nil {
		return store.Usage{}, err
	}
	return u, nil
}

// currentUsage returns the account's stored usage if it is of the period
// containing now; a period that has ended says nothing about this one,
// which starts at zero.
func (s *Service) currentUsage(ctx context.Context, p store.BillingProfile) (store.Usage, error) {
	now := s.cfg.Now()
	start, end := UsagePeriod(p.PeriodStart, now)
	u, err := s.cfg.Store.LatestUsage(ctx, p.AccountID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Usage{}, fmt.Errorf("billing: usage of account %d: %w", p.AccountID, err)
	}
	if err != nil || !u.PeriodEnd.After(now) || u.PeriodStart.After(now) {
		return store.Usage{AccountID: p.AccountID, PeriodStart: start, PeriodEnd: end}, nil
	}
	return u, nil
}

// Reassess applies the capacity policy to the account's last measured
// usage at once: after an upgrade, a downgrade or a staff override, so a
// customer who pays for more is restored without waiting for the job.
func (s *Service) Reassess(ctx context.Context, accountID int64) (store.BillingProfile, error) {
	p, err := s.profile(ctx, accountID)
	if err != nil {
		return store.BillingProfile{}, err
	}
	u, err := s.currentUsage(ctx, p)
	if err != nil {
		return store.BillingProfile{}, err
	}
	return s.assess(ctx, accountID, u)
}

// assess moves the account through the capacity policy for usage u:
//
//	ok      → grace    when over the limit: "capacity depleted" mail, events still stored
//	grace   → limited  when still over once the grace period ended: ingestion refused
//	grace, limited → ok when back under the limit (new period, upgrade, override)
//
// Nothing stored is ever deleted; the mail goes out after the change is
// stored, and this process's caches are dropped at once.
func (s *Service) assess(ctx context.Context, accountID int64, u store.Usage) (store.BillingProfile, error) {
	now := s.cfg.Now()
	var from, to string
	var limit int64
	p, err := s.cfg.Store.UpdateBillingProfile(ctx, accountID, func(p *store.BillingProfile) error {
		l := limitsOf(*p)
		limit = l.MonthlyEvents
		from, to = p.Capacity, p.Capacity
		over := limit > 0 && u.Events > limit
		switch {
		case !over:
			to = store.CapacityOK
			p.GraceUntil = time.Time{}
		case from == store.CapacityOK || from == "":
			to = store.CapacityGrace
			p.GraceUntil = now.Add(s.cfg.Grace)
		case from == store.CapacityGrace && !now.Before(p.GraceUntil):
			to = store.CapacityLimited
		}
		p.Capacity = to
		return nil
	})
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("billing: capacity of account %d: %w", accountID, err)
	}
	if from == to {
		return p, nil
	}
	s.Invalidate(accountID)
	s.log.Info("billing: capacity changed", "account", accountID, "from", from, "to", to, "events", u.Events, "limit", limit)
	var m message
	switch {
	case to == store.CapacityGrace:
		m = depletedMail(s.cfg.BaseURL, u, limit, p.GraceUntil)
	case to == store.CapacityLimited:
		m = pausedMail(s.cfg.BaseURL, u, limit)
	case from == store.CapacityLimited:
		m = restoredMail(s.cfg.BaseURL)
	default:
		return p, nil // back under the limit during the grace period: nothing was interrupted
	}
	s.mail(ctx, accountID, m)
	return p, nil
}

// UsageReport is the usage bar: events used in the current period, the
// limit, and where the period will end at the current pace.
type UsageReport struct {
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	Used        int64     `json:"used"`
	Limit       int64     `json:"limit"` // 0 = no limit
	// Projected is the period's total at the pace so far (used ÷ elapsed
	// × period), 0 in the period's first hour when the pace means little.
	Projected  int64     `json:"projected"`
	MeasuredAt time.Time `json:"measured_at,omitzero"`
}

// Usage returns the account's usage bar.
func (s *Service) Usage(ctx context.Context, accountID int64) (UsageReport, error) {
	p, err := s.profile(ctx, accountID)
	if err != nil {
		return UsageReport{}, err
	}
	u, err := s.currentUsage(ctx, p)
	if err != nil {
		return UsageReport{}, err
	}
	r := UsageReport{PeriodStart: u.PeriodStart, PeriodEnd: u.PeriodEnd, Used: u.Events, MeasuredAt: u.MeasuredAt}
	if s.cfg.Enabled {
		r.Limit = limitsOf(p).MonthlyEvents
	}
	at := u.MeasuredAt
	if at.IsZero() {
		at = s.cfg.Now()
	}
	if elapsed := at.Sub(u.PeriodStart); elapsed >= time.Hour {
		r.Projected = int64(float64(u.Events) * float64(u.PeriodEnd.Sub(u.PeriodStart)) / float64(elapsed))
	}
	return r, nil
}

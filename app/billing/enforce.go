package billing

import (
	"context"
	"fmt"
	"time"
)

// Limits a plan puts on what an account holds, besides its monthly
// events. The names are what the API's errors carry in "limit".
const (
	LimitSites     = "sites"
	LimitMembers   = "members"
	LimitAlerts    = "alerts"
	LimitRetention = "retention_days"
)

// LimitError is an action the account's plan does not allow: one more
// site, member or alert rule than the plan holds, or stats older than its
// retention window. The web layer answers 402 with its fields, so a
// client can say which limit and which plan, and offer the upgrade.
type LimitError struct {
	Limit string // one of the Limit… names
	Plan  Plan
	Max   int // the plan's figure: the count, or days of retention
}

func (e *LimitError) Error() string {
	switch e.Limit {
	case LimitRetention:
		return fmt.Sprintf("the %s plan keeps stats readable for %d days: this range is older; upgrade to read it (nothing was deleted)", e.Plan.Name, e.Max)
	case LimitSites:
		return fmt.Sprintf("the %s plan allows %d %s: upgrade to add another", e.Plan.Name, e.Max, plural(e.Max, "site", "sites"))
	case LimitMembers:
		return fmt.Sprintf("the %s plan allows %d %s (counting pending invitations): upgrade to add another", e.Plan.Name, e.Max, plural(e.Max, "team member", "team members"))
	case LimitAlerts:
		return fmt.Sprintf("the %s plan allows %d alert %s: upgrade to add another, or delete one", e.Plan.Name, e.Max, plural(e.Max, "rule", "rules"))
	}
	return fmt.Sprintf("the %s plan's %s limit (%d) is reached: upgrade to do more", e.Plan.Name, e.Limit, e.Max)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// planMax returns the plan's figure for a countable limit; 0 is no limit.
func planMax(p Plan, limit string) int {
	switch limit {
	case LimitSites:
		return p.Sites
	case LimitMembers:
		return p.Members
	case LimitAlerts:
		return p.Alerts
	case LimitRetention:
		return p.RetentionDays
	}
	return 0
}

// Allow returns nil when the account may have one more of limit (sites,
// members, alerts) given the used it has now, a *LimitError when its plan
// is full. Self-hosted (billing off), everything is allowed. A count and
// the creation that follows are not one transaction: two requests racing
// may pass one over the limit, which the next creation then refuses.
func (s *Service) Allow(ctx context.Context, accountID int64, limit string, used int) error {
	if !s.cfg.Enabled || accountID == 0 {
		// Account 0 holds the operator's own sites (no account): no plan.
		return nil
	}
	l, err := s.Limits(ctx, accountID)
	if err != nil {
		return err
	}
	if l.Unlimited {
		return nil
	}
	max := planMax(l.Plan, limit)
	if max > 0 && used >= max {
		return &LimitError{Limit: limit, Plan: l.Plan, Max: max}
	}
	return nil
}

// AllowSite is Allow for one more site in the account, counting the sites
// it has.
func (s *Service) AllowSite(ctx context.Context, accountID int64) error {
	if !s.cfg.Enabled || accountID == 0 {
		return nil
	}
	sites, err := s.cfg.Directory.AccountSites(ctx, accountID)
	if err != nil {
		return fmt.Errorf("billing: count the sites of account %d: %w", accountID, err)
	}
	return s.Allow(ctx, accountID, LimitSites, len(sites))
}

// AllowAcrossSites is Allow for a limit counted over all the account's
// sites (alert rules): count returns what one site has.
func (s *Service) AllowAcrossSites(ctx context.Context, accountID int64, limit string, count func(ctx context.Context, siteID int64) (int, error)) error {
	if !s.cfg.Enabled || accountID == 0 {
		return nil
	}
	sites, err := s.cfg.Directory.AccountSites(ctx, accountID)
	if err != nil {
		return fmt.Errorf("billing: list the sites of account %d: %w", accountID, err)
	}
	used := 0
	for _, id := range sites {
		n, err := count(ctx, id)
		if err != nil {
			return fmt.Errorf("billing: count %s of site %d: %w", limit, id, err)
		}
		used += n
	}
	return s.Allow(ctx, accountID, limit, used)
}

// ReadableFrom returns the earliest instant the account's stats may be
// read from under its plan's retention: now less the plan's retention
// days, at the start of that day in loc. Zero means no limit. Events
// older than that are kept, not deleted: an upgrade makes them readable
// again at once.
func (s *Service) ReadableFrom(ctx context.Context, accountID int64, now time.Time, loc *time.Location) (time.Time, *LimitError, error) {
	if !s.cfg.Enabled || accountID == 0 {
		return time.Time{}, nil, nil
	}
	l, err := s.Limits(ctx, accountID)
	if err != nil {
		return time.Time{}, nil, err
	}
	days := planMax(l.Plan, LimitRetention)
	if l.Unlimited || days <= 0 {
		return time.Time{}, nil, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	d := now.In(loc).AddDate(0, 0, -days)
	from := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	return from, &LimitError{Limit: LimitRetention, Plan: l.Plan, Max: days}, nil
}

package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/footfallhq/footfall/app/jobs"
	"github.com/footfallhq/footfall/store"
)

// StaffStore is what the staff digest reads from the app store.
type StaffStore interface {
	ListUsers(ctx context.Context) ([]store.User, error)
	ListSites(ctx context.Context) ([]store.Site, error)
	JobRuns(ctx context.Context, job string, limit int) ([]store.JobRun, error)
	ListDeliveries(ctx context.Context, siteID int64, limit int) ([]store.Delivery, error)
	ClaimPeriod(ctx context.Context, key, period string, at time.Time) error
	ReleasePeriod(ctx context.Context, key, period string) error
}

// Counter counts a site's stored events in [from, to) (store.Events).
type Counter interface {
	Count(ctx context.Context, siteID int64, from, to time.Time) (int64, error)
}

// Staff sends the operator's daily digest: the last 24 hours of sign-ups,
// active sites, events ingested, queue, jobs and errors.
type Staff struct {
	DB     StaffStore
	Events Counter
	// QueueDepth is the events acknowledged but not yet stored; nil: not
	// shown.
	QueueDepth func() int
	Jobs       func(ctx context.Context) ([]jobs.Status, error)
	// Recipients are the operator's addresses (FOOTFALL_OPERATOR_EMAIL,
	// else the administrators).
	Recipients func(ctx context.Context) ([]string, error)
	Send       func(ctx context.Context, e Email) error
	BaseURL    string
	Now        func() time.Time
	// Billing is the hosted mode's revenue and quota; nil, or a nil
	// answer (self-hosted), leaves the billing section out.
	Billing func(ctx context.Context) (*BillingDigest, error)
}

// BillingDigest is the digest's billing section: monthly recurring
// revenue at list prices and the accounts over their quota.
type BillingDigest struct {
	MRRCents  int64
	Accounts  int // with a billing profile
	Paying    int // of which on a paid subscription
	OverQuota []QuotaAccount
}

// QuotaAccount is an account over its monthly event limit: in its grace
// period, or with ingestion refused.
type QuotaAccount struct {
	AccountID   int64
	Name        string
	Plan        string
	Capacity    string // store.CapacityGrace or store.CapacityLimited
	Used, Limit int64
	GraceUntil  string // "2026-11-25 00:00 UTC", "" when none
}

// MRR is the revenue as a price: $1,234.50.
func (b BillingDigest) MRR() string {
	return fmt.Sprintf("$%s.%02d", count(float64(b.MRRCents/100)), b.MRRCents%100)
}

// UsedText and LimitText are the counts with thousands separators.
func (q QuotaAccount) UsedText() string  { return count(float64(q.Used)) }
func (q QuotaAccount) LimitText() string { return count(float64(q.Limit)) }

// Digest is what the staff email shows.
type Digest struct {
	Day                   string // the UTC day it was made, YYYY-MM-DD
	From, To              time.Time
	SignUps, Users        int
	ActiveSites, Sites    int
	Events                int64
	QueueDepth            int
	ShowQueue             bool
	Jobs                  []DigestJob
	FailedRuns            int // job runs that failed in the 24 hours
	FailedDeliveries      int // operator alert deliveries that failed
	LateJobs, FailingJobs int
	BusiestSite           string
	BusiestEvents         int64
	AdminURL              string
	Billing               *BillingDigest // hosted mode only
}

// DigestJob is one job's line.
type DigestJob struct {
	Name, LastStatus, LastError string
	LastSuccess                 string
	Late                        bool
}

// StaffKey is the record key of the staff digest's sent days.
const StaffKey = "staff_digest"

// Build gathers the digest for the 24 hours before now.
func (s *Staff) Build(ctx context.Context, now time.Time) (Digest, error) {
	d := Digest{Day: now.UTC().Format(time.DateOnly), From: now.Add(-24 * time.Hour), To: now, AdminURL: s.BaseURL + "/admin/jobs"}
	users, err := s.DB.ListUsers(ctx)
	if err != nil {
		return Digest{}, err
	}
	d.Users = len(users)
	for _, u := range users {
		if !u.CreatedAt.Before(d.From) {
			d.SignUps++
		}
	}
	sites, err := s.DB.ListSites(ctx)
	if err != nil {
		return Digest{}, err
	}
	d.Sites = len(sites)
	for _, site := range sites {
		n, err := s.Events.Count(ctx, site.ID, d.From, d.To)
		if err != nil {
			return Digest{}, fmt.Errorf("count events of %s: %w", site.Domain, err)
		}
		d.Events += n
		if n > 0 {
			d.ActiveSites++
		}
		if n > d.BusiestEvents {
			d.BusiestSite, d.BusiestEvents = site.Domain, n
		}
	}
	if s.QueueDepth != nil {
		d.QueueDepth, d.ShowQueue = s.QueueDepth(), true
	}
	if s.Jobs != nil {
		statuses, err := s.Jobs(ctx)
		if err != nil {
			return Digest{}, err
		}
		for _, st := range statuses {
			j := DigestJob{Name: st.Name, Late: st.Late}
			if st.LastRun != nil {
				j.LastStatus, j.LastError = st.LastRun.Status, st.LastRun.Error
			}
			if st.LastSuccess != nil {
				j.LastSuccess = st.LastSuccess.UTC().Format("2006-01-02 15:04 UTC")
			}
			if j.Late {
				d.LateJobs++
			}
			if j.LastStatus == store.JobFailed {
				d.FailingJobs++
			}
			runs, err := s.DB.JobRuns(ctx, st.Name, 500)
			if err != nil {
				return Digest{}, err
			}
			for _, r := range runs {
				if r.Status == store.JobFailed && !r.StartedAt.Before(d.From) {
					d.FailedRuns++
				}
			}
			d.Jobs = append(d.Jobs, j)
		}
	}
	if s.Billing != nil {
		if d.Billing, err = s.Billing(ctx); err != nil {
			return Digest{}, fmt.Errorf("billing: %w", err)
		}
	}
	deliveries, err := s.DB.ListDeliveries(ctx, 0, 500)
	if err != nil {
		return Digest{}, err
	}
	for _, dl := range deliveries {
		if dl.Status == store.DeliveryFailed && !dl.CreatedAt.Before(d.From) {
			d.FailedDeliveries++
		}
	}
	return d, nil
}

// RenderDigest renders the staff email.
func RenderDigest(d Digest) (Rendered, error) {
	out, err := render("staff", d)
	status := "all jobs healthy"
	if n := d.LateJobs + d.FailingJobs; n > 0 {
		status = fmt.Sprintf("%d job problem%s", n, map[bool]string{true: "s", false: ""}[n > 1])
	}
	out.Subject = fmt.Sprintf("Footfall daily digest %s: %s events, %d sign-ups, %s", d.Day, count(float64(d.Events)), d.SignUps, status)
	return out, err
}

// Run sends today's digest unless it went already.
func (s *Staff) Run(ctx context.Context) error {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	to, err := s.Recipients(ctx)
	if err != nil || len(to) == 0 {
		return err // nobody to tell
	}
	day := now.UTC().Format(time.DateOnly)
	if err := s.DB.ClaimPeriod(ctx, StaffKey, day, now); errors.Is(err, store.ErrConflict) {
		return nil
	} else if err != nil {
		return err
	}
	err = func() error {
		d, err := s.Build(ctx, now)
		if err != nil {
			return err
		}
		out, err := RenderDigest(d)
		if err != nil {
			return err
		}
		return s.Send(ctx, Email{To: to, Subject: out.Subject, Text: out.Text, HTML: out.HTML})
	}()
	if err != nil {
		return errors.Join(fmt.Errorf("staff digest: %w", err), s.DB.ReleasePeriod(context.WithoutCancel(ctx), StaffKey, day))
	}
	return nil
}

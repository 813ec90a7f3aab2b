package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v76/client"

	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/store"
)

// Directory is what billing needs to know of accounts: their sites (to
// meter and pause them) and who reads their billing mail.
type Directory interface {
	// AccountIDs lists every account.
	AccountIDs(ctx context.Context) ([]int64, error)
	// AccountSites returns the ids of an account's sites.
	AccountSites(ctx context.Context, accountID int64) ([]int64, error)
	// BillingContacts returns the addresses billing mail goes to (the
	// account's owner and admins).
	BillingContacts(ctx context.Context, accountID int64) ([]string, error)
}

// EventCounter counts a site's stored events in [from, to) (store.Events
// does).
type EventCounter interface {
	Count(ctx context.Context, siteID int64, from, to time.Time) (int64, error)
}

// Config wires a Service.
type Config struct {
	// Enabled is FOOTFALL_MODE=saas. Disabled, every account is unlimited
	// and ingestion is never paused; the other fields may be empty.
	Enabled   bool
	Store     store.Billing
	Directory Directory
	Events    EventCounter
	Mailer    mail.Mailer // nil = no mail
	Logger    *slog.Logger

	StripeKey     string // FOOTFALL_STRIPE_SECRET_KEY
	StripeURL     string // FOOTFALL_STRIPE_API_URL: stripe-mock in tests; "" = api.stripe.com
	WebhookSecret string // FOOTFALL_STRIPE_WEBHOOK_SECRET
	Prices        Prices
	BaseURL       string // where Checkout and the portal send the customer back

	// Grace is how long an account over its limit keeps ingesting.
	Grace time.Duration
	// Now is the clock; nil = time.Now. Tests move it.
	Now func() time.Time
}

// Cache lifetimes. Webhooks and capacity changes drop this process's
// entries at once; other replicas see a change within these times.
const (
	limitsTTL = time.Minute
	gateTTL   = 10 * time.Second
)

// Service answers "what may this account do" and keeps its answer true:
// Stripe webhooks, the metering job and staff change it.
type Service struct {
	cfg    Config
	stripe *client.API
	log    *slog.Logger

	mu     sync.Mutex
	limits map[int64]cachedLimits

	gateMu     sync.RWMutex
	paused     map[int64]bool // site id → ingestion refused
	gateLoaded time.Time
	reloading  sync.Mutex
}

type cachedLimits struct {
	l       Limits
	expires time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Prices == nil {
		cfg.Prices = Prices{}
	}
	s := &Service{cfg: cfg, log: cfg.Logger, limits: map[int64]cachedLimits{}}
	if cfg.Enabled && cfg.StripeKey != "" {
		s.stripe = newStripe(cfg.StripeKey, cfg.StripeURL)
	}
	return s
}

// Enabled reports whether billing applies (saas mode).
func (s *Service) Enabled() bool { return s.cfg.Enabled }

// Limits is what an account may do now.
type Limits struct {
	// Unlimited is true on a self-hosted instance: no limit applies and
	// every feature is on.
	Unlimited bool `json:"unlimited"`
	Plan      Plan `json:"plan"`
	// MonthlyEvents is the plan's limit or the staff override.
	MonthlyEvents int64 `json:"monthly_events"`
	// Capacity is store.CapacityOK, CapacityGrace or CapacityLimited.
	Capacity   string    `json:"capacity"`
	GraceUntil time.Time `json:"grace_until,omitzero"`
}

// Has reports whether a feature is available.
func (l Limits) Has(feature string) bool { return l.Unlimited || l.Plan.Has(feature) }

// Paused reports whether the account's events are refused.
func (l Limits) Paused() bool { return !l.Unlimited && l.Capacity == store.CapacityLimited }

// Limits returns the limits and features that apply to an account: the
// one question every endpoint, job and admin action asks. Answers are
// cached briefly; webhooks and capacity changes drop them at once.
func (s *Service) Limits(ctx context.Context, accountID int64) (Limits, error) {
	if !s.cfg.Enabled {
		return Limits{Unlimited: true, Capacity: store.CapacityOK}, nil
	}
	now := s.cfg.Now()
	s.mu.Lock()
	c, ok := s.limits[accountID]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.l, nil
	}
	p, err := s.profile(ctx, accountID)
	if err != nil {
		return Limits{}, err
	}
	l := limitsOf(p)
	s.mu.Lock()
	if len(s.limits) > 100_000 {
		s.limits = map[int64]cachedLimits{}
	}
	s.limits[accountID] = cachedLimits{l: l, expires: now.Add(limitsTTL)}
	s.mu.Unlock()
	return l, nil
}

func limitsOf(p store.BillingProfile) Limits {
	plan, ok := PlanByCode(p.PlanCode)
	if !ok {
		// A code removed from the table must not give an account more than
		// free; it is a deployment mistake worth fixing, not a crash.
		plan, _ = PlanByCode(Free)
	}
	l := Limits{Plan: plan, MonthlyEvents: plan.MonthlyEvents, Capacity: p.Capacity, GraceUntil: p.GraceUntil}
	if p.OverrideEvents > 0 {
		l.MonthlyEvents = p.OverrideEvents
	}
	if l.Capacity == "" {
		l.Capacity = store.CapacityOK
	}
	return l
}

// profile returns the stored profile, or the free one for an account that
// never had one stored.
func (s *Service) profile(ctx context.Context, accountID int64) (store.BillingProfile, error) {
	p, err := s.cfg.Store.BillingProfile(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return store.BillingProfile{AccountID: accountID, PlanCode: Free, Capacity: store.CapacityOK}, nil
	}
	if err != nil {
		return store.BillingProfile{}, fmt.Errorf("billing: profile of account %d: %w", accountID, err)
	}
	return p, nil
}

// Invalidate drops what this process cached about an account, so the next
// Limits and ingestion check read the stored profile.
func (s *Service) Invalidate(accountID int64) {
	s.mu.Lock()
	delete(s.limits, accountID)
	s.mu.Unlock()
	s.gateMu.Lock()
	s.gateLoaded = time.Time{}
	s.gateMu.Unlock()
}

// Paused reports whether ingestion for a site is refused because its
// account is over its limit past the grace period. It answers from a
// snapshot of the paused sites refreshed every few seconds, so ingestion
// costs a map lookup; if the snapshot cannot be refreshed, the old one
// keeps answering (a database hiccup must not stop or open every site).
func (s *Service) Paused(ctx context.Context, siteID int64) bool {
	if !s.cfg.Enabled {
		return false
	}
	s.gateMu.RLock()
	paused, fresh := s.paused[siteID], s.cfg.Now().Sub(s.gateLoaded) < gateTTL && !s.gateLoaded.IsZero()
	s.gateMu.RUnlock()
	if fresh {
		return paused
	}
	if !s.reloading.TryLock() {
		return paused // another request is refreshing it
	}
	defer s.reloading.Unlock()
	m, err := s.pausedSites(ctx)
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	if err != nil {
		s.log.Warn("billing: cannot refresh the paused sites; keeping the last list", "err", err)
		s.gateLoaded = s.cfg.Now().Add(-gateTTL + time.Second) // retry in a second
		return s.paused[siteID]
	}
	s.paused, s.gateLoaded = m, s.cfg.Now()
	return m[siteID]
}

func (s *Service) pausedSites(ctx context.Context) (map[int64]bool, error) {
	profiles, err := s.cfg.Store.ListBillingProfiles(ctx)
	if err != nil {
		return nil, err
	}
	m := map[int64]bool{}
	for _, p := range profiles {
		if p.Capacity != store.CapacityLimited {
			continue
		}
		sites, err := s.cfg.Directory.AccountSites(ctx, p.AccountID)
		if err != nil {
			return nil, err
		}
		for _, id := range sites {
			m[id] = true
		}
	}
	return m, nil
}

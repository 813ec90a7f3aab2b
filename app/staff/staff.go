// Package staff is what the operator's staff do across accounts: find
// accounts and their usage, block and unblock them, approve deletion
// requests (soft delete at once, destroy 72 hours later), mail
// announcements, and keep an audit entry of every such action. It also
// answers the two questions the rest of the application asks on hot
// paths: are this site's events refused, and may this user sign in.
package staff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/store"
)

// DestroyDelay is how long a soft-deleted account waits before the hard
// delete destroys its data: time to undo a mistake by restoring a backup
// of the app database, short enough to honour the request promptly.
const DestroyDelay = 72 * time.Hour

// gateTTL bounds how stale another replica's view of blocks and deletions
// may be; this process's own changes apply at once.
const gateTTL = 10 * time.Second

// Store is the part of the app store staff work reads and writes.
type Store interface {
	store.Staff
	AccountByID(ctx context.Context, id int64) (store.Account, error)
	AccountSites(ctx context.Context, accountID int64) ([]store.Site, error)
	Members(ctx context.Context, accountID int64) ([]store.Membership, error)
}

// EventCounter counts a site's stored events in [from, to) (store.Events).
type EventCounter interface {
	Count(ctx context.Context, siteID int64, from, to time.Time) (int64, error)
}

// Config wires a Service.
type Config struct {
	Store Store
	// Events, if set, destroys a deleted account's events (store.EventDeleter).
	Events interface {
		DeleteSiteEvents(ctx context.Context, siteID int64) error
	}
	// Counter counts this month's events where billing does not meter
	// them (self-hosted); nil = usage shows 0 there.
	Counter EventCounter
	Billing *billing.Service // plan and metered usage; nil = none
	Mailer  mail.Mailer      // announcements; nil = they cannot be sent
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock; nil = time.Now. Tests move it.
	Now func() time.Time
}

// Service carries out staff actions and caches who is refused.
type Service struct {
	cfg Config
	log *slog.Logger

	mu        sync.RWMutex
	refused   map[int64]bool // site id → account deleted (true) or blocked (false)
	locked    map[int64]bool // user ids that may not sign in
	loadedAt  time.Time
	reloading sync.Mutex
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, log: cfg.Logger}
}

// Errors for the HTTP layer to turn into answers.
var (
	ErrNoMailer     = errors.New("staff: no mailer configured")
	ErrEmptySegment = errors.New("staff: the segment selects nobody")
)

// Actor is who did something: a staff user, or the system (zero).
type Actor struct {
	ID    int64
	Email string
}

// System is the actor of jobs.
var System = Actor{Email: "system"}

// Audit records one action. Detail is marshalled to a JSON object.
func (s *Service) Audit(ctx context.Context, who Actor, action string, accountID int64, target string, detail map[string]any) error {
	b := []byte("{}")
	if len(detail) > 0 {
		var err error
		if b, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("staff: audit %s: %w", action, err)
		}
	}
	if _, err := s.cfg.Store.AppendAudit(ctx, store.AuditEntry{At: s.cfg.Now(), ActorID: who.ID, ActorEmail: who.Email,
		Action: action, AccountID: accountID, Target: target, Detail: string(b)}); err != nil {
		return fmt.Errorf("staff: audit %s: %w", action, err)
	}
	return nil
}

// Refused reports whether events for a site are refused, and whether
// because its account is deleted (else: blocked). It answers from a
// snapshot refreshed every gateTTL; if the refresh fails, the old one
// keeps answering (a database hiccup must neither stop nor open every
// site).
func (s *Service) Refused(ctx context.Context, siteID int64) (refused, deleted bool) {
	s.refresh(ctx)
	s.mu.RLock()
	defer s.mu.RUnlock()
	deleted, refused = s.refused[siteID]
	return refused, deleted
}

// LockedOut reports whether a user may not sign in: every account they
// belong to is blocked or deleted (store.Staff.LockedOutUsers).
func (s *Service) LockedOut(ctx context.Context, userID int64) bool {
	s.refresh(ctx)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.locked[userID]
}

// Invalidate makes the next check read the store, so this process applies
// its own changes at once.
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.loadedAt = time.Time{}
	s.mu.Unlock()
}

func (s *Service) refresh(ctx context.Context) {
	s.mu.RLock()
	fresh := !s.loadedAt.IsZero() && s.cfg.Now().Sub(s.loadedAt) < gateTTL
	s.mu.RUnlock()
	if fresh {
		return
	}
	if !s.reloading.TryLock() {
		if s.loaded() {
			return // another request is refreshing it; the old view answers
		}
		s.reloading.Lock() // the very first load: wait for it
	}
	defer s.reloading.Unlock()
	s.mu.RLock()
	fresh = !s.loadedAt.IsZero() && s.cfg.Now().Sub(s.loadedAt) < gateTTL
	s.mu.RUnlock()
	if fresh {
		return
	}
	refused, locked, err := s.load(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.log.Warn("staff: cannot refresh blocked accounts; keeping the last list", "err", err)
		s.loadedAt = s.cfg.Now().Add(-gateTTL + time.Second) // retry in a second
		return
	}
	s.refused, s.locked, s.loadedAt = refused, locked, s.cfg.Now()
}

func (s *Service) loaded() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.refused != nil
}

func (s *Service) load(ctx context.Context) (map[int64]bool, map[int64]bool, error) {
	sites, err := s.cfg.Store.RefusedSites(ctx)
	if err != nil {
		return nil, nil, err
	}
	users, err := s.cfg.Store.LockedOutUsers(ctx)
	if err != nil {
		return nil, nil, err
	}
	refused := make(map[int64]bool, len(sites))
	for _, r := range sites {
		refused[r.SiteID] = r.Deleted
	}
	locked := make(map[int64]bool, len(users))
	for _, id := range users {
		locked[id] = true
	}
	return refused, locked, nil
}

// Block blocks an account: its sites' events are refused and its members
// who have no other live account cannot sign in, from now on.
func (s *Service) Block(ctx context.Context, who Actor, accountID int64, reason string) error {
	a, err := s.cfg.Store.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.BlockAccount(ctx, accountID, who.ID, reason, s.cfg.Now()); err != nil {
		return err
	}
	s.Invalidate()
	return s.Audit(ctx, who, "account.block", accountID, a.Name, map[string]any{"reason": reason})
}

// Unblock lifts a block at once.
func (s *Service) Unblock(ctx context.Context, who Actor, accountID int64) error {
	a, err := s.cfg.Store.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.UnblockAccount(ctx, accountID); err != nil {
		return err
	}
	s.Invalidate()
	return s.Audit(ctx, who, "account.unblock", accountID, a.Name, nil)
}

// ApproveDeletion approves the account's pending deletion request: the
// account is soft-deleted at once (invisible to its members, its events
// refused, sign-in refused to members left with nothing) and destroyed by
// the account_hard_delete job DestroyDelay later. ErrNotFound when the
// account has no pending request.
func (s *Service) ApproveDeletion(ctx context.Context, who Actor, accountID int64) (store.AccountState, error) {
	r, err := s.cfg.Store.AccountDeletionRequest(ctx, accountID)
	if err != nil {
		return store.AccountState{}, err
	}
	now := s.cfg.Now()
	st, err := s.cfg.Store.ApproveAccountDeletion(ctx, r.ID, who.ID, now, now.Add(DestroyDelay))
	if err != nil {
		return store.AccountState{}, err
	}
	s.Invalidate()
	return st, s.Audit(ctx, who, "account.delete", accountID, r.AccountName,
		map[string]any{"request_id": r.ID, "requested_by": r.RequestedBy, "destroy_after": st.DestroyAfter})
}

// HardDelete destroys every soft-deleted account whose delay is over:
// its events in the events store first, site by site, then its app rows,
// so a failure leaves the account soft-deleted for the next run to
// finish. It is the account_hard_delete job.
func (s *Service) HardDelete(ctx context.Context) error {
	due, err := s.cfg.Store.AccountsToDestroy(ctx, s.cfg.Now())
	if err != nil {
		return fmt.Errorf("staff: accounts to destroy: %w", err)
	}
	var errs []error
	for _, st := range due {
		if err := s.destroy(ctx, st.AccountID); err != nil {
			errs = append(errs, err)
		}
	}
	if len(due) > 0 {
		s.Invalidate()
	}
	return errors.Join(errs...)
}

func (s *Service) destroy(ctx context.Context, accountID int64) error {
	a, err := s.cfg.Store.AccountByID(ctx, accountID)
	if err != nil {
		return fmt.Errorf("staff: destroy account %d: %w", accountID, err)
	}
	sites, err := s.cfg.Store.AccountSites(ctx, accountID)
	if err != nil {
		return fmt.Errorf("staff: destroy account %d: %w", accountID, err)
	}
	domains := make([]string, len(sites))
	for i, site := range sites {
		domains[i] = site.Domain
		if s.cfg.Events == nil {
			continue
		}
		if err := s.cfg.Events.DeleteSiteEvents(ctx, site.ID); err != nil {
			return fmt.Errorf("staff: destroy account %d: events of %s: %w", accountID, site.Domain, err)
		}
	}
	d, err := s.cfg.Store.DestroyAccount(ctx, accountID)
	if err != nil {
		return fmt.Errorf("staff: destroy account %d: %w", accountID, err)
	}
	if s.cfg.Billing != nil {
		s.cfg.Billing.Invalidate(accountID)
	}
	s.log.Info("destroyed a deleted account", "account", accountID, "sites", d.Sites, "users", d.Users)
	return s.Audit(ctx, System, "account.destroy", accountID, a.Name,
		map[string]any{"sites": domains, "users_removed": d.Users})
}

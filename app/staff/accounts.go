package staff

import (
	"context"
	"errors"
	"time"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/store"
)

// AccountRow is one account in the staff search, with its usage.
type AccountRow struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	OwnerEmail   string    `json:"owner_email"`
	CreatedAt    time.Time `json:"created_at"`
	Sites        int       `json:"sites"`
	Members      int       `json:"members"`
	Plan         string    `json:"plan"`
	Capacity     string    `json:"capacity"`
	Events       int64     `json:"events"` // this usage period (calendar month where billing is off)
	PeriodStart  time.Time `json:"period_start"`
	Blocked      bool      `json:"blocked"`
	BlockReason  string    `json:"block_reason,omitempty"`
	BlockedAt    time.Time `json:"blocked_at,omitzero"`
	Deleted      bool      `json:"deleted"`
	DeletedAt    time.Time `json:"deleted_at,omitzero"`
	DestroyAfter time.Time `json:"destroy_after,omitzero"`
}

// Search finds accounts by name, member email or site domain (q ""
// lists the newest), at most limit, with plan and usage.
func (s *Service) Search(ctx context.Context, q string, limit int) ([]AccountRow, error) {
	found, err := s.cfg.Store.SearchAccounts(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	rows := make([]AccountRow, 0, len(found))
	for _, a := range found {
		r, err := s.row(ctx, a)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func (s *Service) row(ctx context.Context, a store.AccountSummary) (AccountRow, error) {
	r := AccountRow{ID: a.ID, Name: a.Name, OwnerEmail: a.OwnerEmail, CreatedAt: a.CreatedAt, Sites: a.Sites, Members: a.Members,
		Plan: billing.Free, Capacity: store.CapacityOK,
		Blocked: a.State.Blocked(), BlockReason: a.State.BlockReason, BlockedAt: a.State.BlockedAt,
		Deleted: a.State.Deleted(), DeletedAt: a.State.DeletedAt, DestroyAfter: a.State.DestroyAfter}
	if b := s.cfg.Billing; b != nil && b.Enabled() {
		l, err := b.Limits(ctx, a.ID)
		if err != nil {
			return AccountRow{}, err
		}
		u, err := b.Usage(ctx, a.ID)
		if err != nil {
			return AccountRow{}, err
		}
		r.Plan, r.Capacity, r.Events, r.PeriodStart = l.Plan.Code, l.Capacity, u.Used, u.PeriodStart
		return r, nil
	}
	// Self-hosted: no metering; count this calendar month (UTC).
	now := s.cfg.Now().UTC()
	r.PeriodStart = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if s.cfg.Counter == nil || a.Sites == 0 {
		return r, nil
	}
	sites, err := s.cfg.Store.AccountSites(ctx, a.ID)
	if err != nil {
		return AccountRow{}, err
	}
	for _, site := range sites {
		n, err := s.cfg.Counter.Count(ctx, site.ID, r.PeriodStart, now.Add(time.Second))
		if err != nil {
			return AccountRow{}, err
		}
		r.Events += n
	}
	return r, nil
}

// Detail is the staff view of one account.
type Detail struct {
	Account  AccountRow
	Members  []store.Membership
	Sites    []store.Site
	Deletion *store.DeletionRequest // the pending request; nil when none
	Billing  *billing.Summary       // nil where billing is off
	Audit    []store.AuditEntry     // the newest entries about the account
}

// Account returns the staff view of one account; store.ErrNotFound when
// there is none.
func (s *Service) Account(ctx context.Context, accountID int64) (Detail, error) {
	a, err := s.cfg.Store.AccountByID(ctx, accountID)
	if err != nil {
		return Detail{}, err
	}
	st, err := s.cfg.Store.AccountState(ctx, accountID)
	if err != nil {
		return Detail{}, err
	}
	var d Detail
	if d.Members, err = s.cfg.Store.Members(ctx, accountID); err != nil {
		return Detail{}, err
	}
	if d.Sites, err = s.cfg.Store.AccountSites(ctx, accountID); err != nil {
		return Detail{}, err
	}
	sum := store.AccountSummary{Account: a, State: st, Sites: len(d.Sites), Members: len(d.Members)}
	for _, m := range d.Members {
		if m.Role == store.RoleOwner {
			sum.OwnerEmail = m.Email
		}
	}
	if d.Account, err = s.row(ctx, sum); err != nil {
		return Detail{}, err
	}
	switch r, err := s.cfg.Store.AccountDeletionRequest(ctx, accountID); {
	case err == nil:
		d.Deletion = &r
	case !errors.Is(err, store.ErrNotFound):
		return Detail{}, err
	}
	if b := s.cfg.Billing; b != nil && b.Enabled() {
		sum, err := b.Summary(ctx, accountID)
		if err != nil {
			return Detail{}, err
		}
		d.Billing = &sum
	}
	if d.Audit, err = s.cfg.Store.AuditLog(ctx, store.AuditQuery{AccountID: accountID, Limit: 20}); err != nil {
		return Detail{}, err
	}
	return d, nil
}

// RequestDeletion stores an owner's request that their account be
// deleted (the caller checked they own it), with an audit entry for
// staff; store.ErrConflict when one is pending already.
func (s *Service) RequestDeletion(ctx context.Context, who Actor, accountID int64, reason string) (store.DeletionRequest, error) {
	r, err := s.cfg.Store.RequestAccountDeletion(ctx, store.DeletionRequest{AccountID: accountID, RequestedBy: who.ID, Reason: reason, RequestedAt: s.cfg.Now()})
	if err != nil {
		return store.DeletionRequest{}, err
	}
	return r, s.Audit(ctx, who, "account.deletion_requested", accountID, r.AccountName, map[string]any{"request_id": r.ID, "reason": reason})
}

// CancelDeletion withdraws the account's pending request.
func (s *Service) CancelDeletion(ctx context.Context, who Actor, accountID int64) error {
	if err := s.cfg.Store.CancelDeletionRequest(ctx, accountID, who.ID, s.cfg.Now()); err != nil {
		return err
	}
	return s.Audit(ctx, who, "account.deletion_cancelled", accountID, "", nil)
}

// AccountName returns the account's name; store.ErrNotFound for none.
func (s *Service) AccountName(ctx context.Context, accountID int64) (string, error) {
	a, err := s.cfg.Store.AccountByID(ctx, accountID)
	return a.Name, err
}

// PendingDeletion returns the account's pending request, if any.
func (s *Service) PendingDeletion(ctx context.Context, accountID int64) (*store.DeletionRequest, error) {
	r, err := s.cfg.Store.AccountDeletionRequest(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// DeletionRequests lists the requests of a status ("" = all), oldest
// first.
func (s *Service) DeletionRequests(ctx context.Context, status string) ([]store.DeletionRequest, error) {
	return s.cfg.Store.DeletionRequests(ctx, status)
}

// AuditLog pages through the audit log, newest first.
func (s *Service) AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	return s.cfg.Store.AuditLog(ctx, q)
}

package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

// AppendAudit stores one audit entry.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	e.At = stamp(e.At)
	if e.Detail == "" {
		e.Detail = "{}"
	}
	err := s.pool.QueryRow(ctx, "INSERT INTO audit_log (at, actor_id, actor_email, action, account_id, target, detail) "+
		"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", e.At.UnixMilli(), e.ActorID, e.ActorEmail, e.Action, e.AccountID, e.Target, e.Detail).Scan(&e.ID)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("postgres: append audit entry %s: %w", e.Action, translate(err))
	}
	return e, nil
}

func scanAudit(r pgx.Row) (store.AuditEntry, error) {
	var (
		e  store.AuditEntry
		at int64
	)
	if err := r.Scan(&e.ID, &at, &e.ActorID, &e.ActorEmail, &e.Action, &e.AccountID, &e.Target, &e.Detail); err != nil {
		return store.AuditEntry{}, err
	}
	e.At = fromMillis(at)
	return e, nil
}

// AuditLog returns audit entries newest first.
func (s *Store) AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	where, args := []string{"TRUE"}, []any{}
	if q.Before > 0 {
		args = append(args, q.Before)
		where = append(where, "id < $"+strconv.Itoa(len(args)))
	}
	if q.AccountID > 0 {
		args = append(args, q.AccountID)
		where = append(where, "account_id = $"+strconv.Itoa(len(args)))
	}
	args = append(args, q.Limit)
	list, err := queryAll(ctx, s, scanAudit, "SELECT id, at, actor_id, actor_email, action, account_id, target, detail FROM audit_log WHERE "+
		strings.Join(where, " AND ")+" ORDER BY id DESC LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit log: %w", translate(err))
	}
	return list, nil
}

const stateColumns = "id, blocked_at, blocked_by, block_reason, deleted_at, deleted_by, destroy_after"

func scanState(r pgx.Row) (store.AccountState, error) {
	var (
		st                       store.AccountState
		blocked, deleted, expiry int64
		blockedBy, deletedBy     *int64
	)
	if err := r.Scan(&st.AccountID, &blocked, &blockedBy, &st.BlockReason, &deleted, &deletedBy, &expiry); err != nil {
		return store.AccountState{}, err
	}
	st.BlockedAt, st.DeletedAt, st.DestroyAfter = zeroMillis(blocked), zeroMillis(deleted), zeroMillis(expiry)
	st.BlockedBy, st.DeletedBy = idOrZero(blockedBy), idOrZero(deletedBy)
	return st, nil
}

func idOrZero(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// AccountState returns the staff decisions about an account.
func (s *Store) AccountState(ctx context.Context, accountID int64) (store.AccountState, error) {
	st, err := scanState(s.pool.QueryRow(ctx, "SELECT "+stateColumns+" FROM accounts WHERE id = $1", accountID))
	if err != nil {
		return store.AccountState{}, fmt.Errorf("postgres: state of account %d: %w", accountID, translate(err))
	}
	return st, nil
}

// BlockAccount blocks an account.
func (s *Store) BlockAccount(ctx context.Context, accountID, by int64, reason string, at time.Time) error {
	if err := mustAffect(s.pool.Exec(ctx, "UPDATE accounts SET blocked_at = $1, blocked_by = $2, block_reason = $3 WHERE id = $4",
		stamp(at).UnixMilli(), nullID(by), reason, accountID)); err != nil {
		return fmt.Errorf("postgres: block account %d: %w", accountID, err)
	}
	return nil
}

// UnblockAccount clears an account's block.
func (s *Store) UnblockAccount(ctx context.Context, accountID int64) error {
	if err := mustAffect(s.pool.Exec(ctx, "UPDATE accounts SET blocked_at = 0, blocked_by = NULL, block_reason = '' WHERE id = $1",
		accountID)); err != nil {
		return fmt.Errorf("postgres: unblock account %d: %w", accountID, err)
	}
	return nil
}

// RefusedSites returns the sites of blocked or deleted accounts.
func (s *Store) RefusedSites(ctx context.Context) ([]store.RefusedSite, error) {
	list, err := queryAll(ctx, s, func(r pgx.Row) (store.RefusedSite, error) {
		var rs store.RefusedSite
		err := r.Scan(&rs.SiteID, &rs.AccountID, &rs.Deleted)
		return rs, err
	}, "SELECT s.id, a.id, a.deleted_at > 0 FROM sites s JOIN accounts a ON a.id = s.account_id "+
		"WHERE a.blocked_at > 0 OR a.deleted_at > 0 ORDER BY s.id")
	if err != nil {
		return nil, fmt.Errorf("postgres: refused sites: %w", translate(err))
	}
	return list, nil
}

// LockedOutUsers returns the users with nothing left to sign in to.
func (s *Store) LockedOutUsers(ctx context.Context) ([]int64, error) {
	list, err := queryAll(ctx, s, func(r pgx.Row) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	}, `SELECT u.id FROM users u WHERE NOT u.admin
		AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)
		AND NOT EXISTS (SELECT 1 FROM memberships m JOIN accounts a ON a.id = m.account_id
			WHERE m.user_id = u.id AND a.blocked_at = 0 AND a.deleted_at = 0)
		ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: locked-out users: %w", translate(err))
	}
	return list, nil
}

// likePattern escapes q for LIKE … ESCAPE '\' and wraps it in %.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// SearchAccounts finds accounts by name, member email or site domain.
func (s *Store) SearchAccounts(ctx context.Context, q string, limit int) ([]store.AccountSummary, error) {
	if limit <= 0 {
		limit = 50
	}
	p := likePattern(strings.TrimSpace(q))
	list, err := queryAll(ctx, s, func(r pgx.Row) (store.AccountSummary, error) {
		var (
			a                        store.AccountSummary
			created                  int64
			owner                    *string
			blocked, deleted, expiry int64
			blockedBy, deletedBy     *int64
		)
		err := r.Scan(&a.ID, &a.Name, &created, &blocked, &blockedBy, &a.State.BlockReason, &deleted, &deletedBy, &expiry,
			&owner, &a.Sites, &a.Members)
		a.CreatedAt = fromMillis(created)
		a.State.AccountID = a.ID
		a.State.BlockedAt, a.State.DeletedAt, a.State.DestroyAfter = zeroMillis(blocked), zeroMillis(deleted), zeroMillis(expiry)
		a.State.BlockedBy, a.State.DeletedBy = idOrZero(blockedBy), idOrZero(deletedBy)
		if owner != nil {
			a.OwnerEmail = *owner
		}
		return a, err
	}, `SELECT a.id, a.name, a.created_at, a.blocked_at, a.blocked_by, a.block_reason, a.deleted_at, a.deleted_by, a.destroy_after,
		(SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = a.id AND m.role = 'owner'),
		(SELECT count(*) FROM sites s WHERE s.account_id = a.id)::int,
		(SELECT count(*) FROM memberships m WHERE m.account_id = a.id)::int
		FROM accounts a
		WHERE lower(a.name) LIKE $1 ESCAPE '\'
		OR EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = a.id AND u.email LIKE $1 ESCAPE '\')
		OR EXISTS (SELECT 1 FROM sites s WHERE s.account_id = a.id AND s.domain LIKE $1 ESCAPE '\')
		ORDER BY a.id DESC LIMIT $2`, p, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: search accounts: %w", translate(err))
	}
	return list, nil
}

const deletionSelect = `SELECT r.id, r.account_id, r.requested_by, r.reason, r.requested_at, r.status, r.decided_by, r.decided_at, a.name
	FROM account_deletion_requests r JOIN accounts a ON a.id = r.account_id `

func scanDeletion(r pgx.Row) (store.DeletionRequest, error) {
	var (
		d                  store.DeletionRequest
		by, decider        *int64
		requested, decided int64
	)
	if err := r.Scan(&d.ID, &d.AccountID, &by, &d.Reason, &requested, &d.Status, &decider, &decided, &d.AccountName); err != nil {
		return store.DeletionRequest{}, err
	}
	d.RequestedBy, d.DecidedBy = idOrZero(by), idOrZero(decider)
	d.RequestedAt, d.DecidedAt = fromMillis(requested), zeroMillis(decided)
	return d, nil
}

// RequestAccountDeletion stores a pending deletion request.
func (s *Store) RequestAccountDeletion(ctx context.Context, r store.DeletionRequest) (store.DeletionRequest, error) {
	r.RequestedAt, r.Status, r.DecidedBy, r.DecidedAt = stamp(r.RequestedAt), store.DeletionPending, 0, time.Time{}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var deleted int64
		if err := tx.QueryRow(ctx, "SELECT deleted_at, name FROM accounts WHERE id = $1 FOR UPDATE", r.AccountID).Scan(&deleted, &r.AccountName); err != nil {
			return translate(err)
		}
		if deleted > 0 {
			return fmt.Errorf("account deleted already: %w", store.ErrConflict)
		}
		return translate(tx.QueryRow(ctx, "INSERT INTO account_deletion_requests (account_id, requested_by, reason, requested_at, status) "+
			"VALUES ($1, $2, $3, $4, 'pending') RETURNING id", r.AccountID, nullID(r.RequestedBy), r.Reason, r.RequestedAt.UnixMilli()).Scan(&r.ID))
	})
	if err != nil {
		return store.DeletionRequest{}, fmt.Errorf("postgres: request deletion of account %d: %w", r.AccountID, err)
	}
	return r, nil
}

// DeletionRequests lists deletion requests, oldest first.
func (s *Store) DeletionRequests(ctx context.Context, status string) ([]store.DeletionRequest, error) {
	q, args := deletionSelect, []any{}
	if status != "" {
		q, args = q+"WHERE r.status = $1 ", append(args, status)
	}
	list, err := queryAll(ctx, s, scanDeletion, q+"ORDER BY r.requested_at, r.id", args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: deletion requests: %w", translate(err))
	}
	return list, nil
}

// AccountDeletionRequest returns the account's pending request.
func (s *Store) AccountDeletionRequest(ctx context.Context, accountID int64) (store.DeletionRequest, error) {
	d, err := scanDeletion(s.pool.QueryRow(ctx, deletionSelect+"WHERE r.account_id = $1 AND r.status = 'pending'", accountID))
	if err != nil {
		return store.DeletionRequest{}, fmt.Errorf("postgres: pending deletion request of account %d: %w", accountID, translate(err))
	}
	return d, nil
}

// CancelDeletionRequest cancels the account's pending request.
func (s *Store) CancelDeletionRequest(ctx context.Context, accountID, by int64, at time.Time) error {
	if err := mustAffect(s.pool.Exec(ctx, "UPDATE account_deletion_requests SET status = 'cancelled', decided_by = $1, decided_at = $2 "+
		"WHERE account_id = $3 AND status = 'pending'", nullID(by), stamp(at).UnixMilli(), accountID)); err != nil {
		return fmt.Errorf("postgres: cancel deletion request of account %d: %w", accountID, err)
	}
	return nil
}

// ApproveAccountDeletion approves a request and soft-deletes its account.
func (s *Store) ApproveAccountDeletion(ctx context.Context, id, by int64, at, destroyAfter time.Time) (store.AccountState, error) {
	var st store.AccountState
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var accountID int64
		if err := tx.QueryRow(ctx, "SELECT account_id FROM account_deletion_requests WHERE id = $1 AND status = 'pending' FOR UPDATE", id).Scan(&accountID); err != nil {
			return err
		}
		atMS := stamp(at).UnixMilli()
		if _, err := tx.Exec(ctx, "UPDATE account_deletion_requests SET status = 'approved', decided_by = $1, decided_at = $2 WHERE id = $3",
			nullID(by), atMS, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE accounts SET deleted_at = $1, deleted_by = $2, destroy_after = $3 WHERE id = $4",
			atMS, nullID(by), stamp(destroyAfter).UnixMilli(), accountID); err != nil {
			return err
		}
		var err error
		st, err = scanState(tx.QueryRow(ctx, "SELECT "+stateColumns+" FROM accounts WHERE id = $1", accountID))
		return err
	})
	if err != nil {
		return store.AccountState{}, fmt.Errorf("postgres: approve deletion request %d: %w", id, translate(err))
	}
	return st, nil
}

// AccountsToDestroy returns the soft-deleted accounts due for the hard
// delete.
func (s *Store) AccountsToDestroy(ctx context.Context, now time.Time) ([]store.AccountState, error) {
	list, err := queryAll(ctx, s, scanState, "SELECT "+stateColumns+" FROM accounts WHERE deleted_at > 0 AND destroy_after <= $1 ORDER BY id",
		now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("postgres: accounts to destroy: %w", translate(err))
	}
	return list, nil
}

// DestroyAccount removes a soft-deleted account and its app data.
func (s *Store) DestroyAccount(ctx context.Context, accountID int64) (store.Destroyed, error) {
	var d store.Destroyed
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var deleted int64
		if err := tx.QueryRow(ctx, "SELECT deleted_at FROM accounts WHERE id = $1 FOR UPDATE", accountID).Scan(&deleted); err != nil {
			return err
		}
		if deleted == 0 {
			return fmt.Errorf("account is not soft-deleted: %w", store.ErrConflict)
		}
		rows, err := tx.Query(ctx, "SELECT user_id FROM memberships WHERE account_id = $1", accountID)
		if err != nil {
			return err
		}
		members, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM sites WHERE account_id = $1", accountID)
		if err != nil {
			return err
		}
		d.Sites = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, "DELETE FROM accounts WHERE id = $1", accountID); err != nil {
			return err
		}
		for _, id := range members {
			tag, err := tx.Exec(ctx, "DELETE FROM users WHERE id = $1 AND NOT admin "+
				"AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)", id)
			if err != nil {
				return err
			}
			d.Users += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return store.Destroyed{}, fmt.Errorf("postgres: destroy account %d: %w", accountID, translate(err))
	}
	return d, nil
}

// AnnouncementRecipients resolves a segment to emails.
func (s *Store) AnnouncementRecipients(ctx context.Context, seg store.Segment) ([]string, error) {
	q := `SELECT DISTINCT u.email FROM users u JOIN memberships m ON m.user_id = u.id JOIN accounts a ON a.id = m.account_id
		LEFT JOIN billing_profiles b ON b.account_id = a.id WHERE a.blocked_at = 0 AND a.deleted_at = 0`
	var args []any
	if roles := rolesFrom(seg.MinRole); len(roles) > 0 {
		args = append(args, roles)
		q += " AND m.role = ANY($1)"
	}
	if seg.Plan != "" {
		args = append(args, seg.Plan)
		q += " AND coalesce(b.plan_code, 'free') = $" + strconv.Itoa(len(args))
	}
	if seg.Capacity != "" {
		args = append(args, seg.Capacity)
		q += " AND coalesce(b.capacity, 'ok') = $" + strconv.Itoa(len(args))
	}
	list, err := queryAll(ctx, s, func(r pgx.Row) (string, error) {
		var e string
		err := r.Scan(&e)
		return e, err
	}, q+" ORDER BY u.email", args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: announcement recipients: %w", translate(err))
	}
	return list, nil
}

// rolesFrom lists the roles at least min allows ("" or viewer: none, so
// no filter).
func rolesFrom(min store.Role) []string {
	if min == "" || min == store.RoleViewer {
		return nil
	}
	var out []string
	for _, r := range []store.Role{store.RoleViewer, store.RoleEditor, store.RoleAdmin, store.RoleOwner} {
		if r.AtLeast(min) {
			out = append(out, string(r))
		}
	}
	return out
}

// CreateAnnouncement records an announcement.
func (s *Store) CreateAnnouncement(ctx context.Context, a store.Announcement) (store.Announcement, error) {
	a.CreatedAt = stamp(a.CreatedAt)
	err := s.pool.QueryRow(ctx, "INSERT INTO announcements (subject, body, segment, recipients, sent_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		a.Subject, a.Body, a.Segment, a.Recipients, nullID(a.SentBy), a.CreatedAt.UnixMilli()).Scan(&a.ID)
	if err != nil {
		return store.Announcement{}, fmt.Errorf("postgres: create announcement: %w", translate(err))
	}
	return a, nil
}

// Announcements lists announcements, newest first.
func (s *Store) Announcements(ctx context.Context, limit int) ([]store.Announcement, error) {
	list, err := queryAll(ctx, s, func(r pgx.Row) (store.Announcement, error) {
		var (
			a       store.Announcement
			by      *int64
			created int64
		)
		err := r.Scan(&a.ID, &a.Subject, &a.Body, &a.Segment, &a.Recipients, &by, &created)
		a.SentBy, a.CreatedAt = idOrZero(by), fromMillis(created)
		return a, err
	}, "SELECT id, subject, body, segment, recipients, sent_by, created_at FROM announcements ORDER BY id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: announcements: %w", translate(err))
	}
	return list, nil
}

var _ store.Staff = (*Store)(nil)

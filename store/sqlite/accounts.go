package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// inTx runs fn in a transaction on the writer connection (BEGIN IMMEDIATE:
// see writeParams) and commits it if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// createPersonalAccount gives a new user the account their sites go to.
func createPersonalAccount(ctx context.Context, tx *sql.Tx, u store.User) error {
	_, err := insertAccount(ctx, tx, store.Account{Name: u.Email, CreatedAt: u.CreatedAt}, u.ID)
	return err
}

func insertAccount(ctx context.Context, tx *sql.Tx, a store.Account, ownerID int64) (int64, error) {
	res, err := tx.ExecContext(ctx, "INSERT INTO accounts (name, created_at) VALUES (?, ?)", a.Name, a.CreatedAt.UnixMilli())
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
		id, ownerID, a.CreatedAt.UnixMilli())
	return id, err
}

// ownerAccount is the account a site added for userID without a named
// account goes to: the oldest the user owns. A user who gave every
// account away gets a new personal one.
func ownerAccount(ctx context.Context, tx *sql.Tx, userID int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx,
		"SELECT account_id FROM memberships WHERE user_id = ? AND role = 'owner' ORDER BY account_id LIMIT 1", userID).Scan(&id)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	var email string
	if err := tx.QueryRowContext(ctx, "SELECT email FROM users WHERE id = ?", userID).Scan(&email); err != nil {
		return 0, err
	}
	return insertAccount(ctx, tx, store.Account{Name: email, CreatedAt: stamp(time.Time{})}, userID)
}

const accountColumns = "id, name, created_at"

func scanAccount(r scanner) (store.Account, error) {
	var (
		a       store.Account
		created int64
	)
	if err := r.Scan(&a.ID, &a.Name, &created); err != nil {
		return store.Account{}, err
	}
	a.CreatedAt = fromMillis(created)
	return a, nil
}

// CreateAccount stores a with ownerID as its owner.
func (s *Store) CreateAccount(ctx context.Context, a store.Account, ownerID int64) (store.Account, error) {
	a.CreatedAt = stamp(a.CreatedAt)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		a.ID, err = insertAccount(ctx, tx, a, ownerID)
		return err
	})
	if err != nil {
		return store.Account{}, fmt.Errorf("sqlite: create account %q: %w", a.Name, translate(err))
	}
	return a, nil
}

// AccountByID looks an account up by ID.
func (s *Store) AccountByID(ctx context.Context, id int64) (store.Account, error) {
	a, err := scanAccount(s.read.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM accounts WHERE id = ?", id))
	if err != nil {
		return store.Account{}, fmt.Errorf("sqlite: account %d: %w", id, translate(err))
	}
	return a, nil
}

// RenameAccount sets an account's name.
func (s *Store) RenameAccount(ctx context.Context, id int64, name string) error {
	if err := mustAffect(s.write.ExecContext(ctx, "UPDATE accounts SET name = ? WHERE id = ?", name, id)); err != nil {
		return fmt.Errorf("sqlite: rename account %d: %w", id, err)
	}
	return nil
}

// ListAccounts returns every account by ID.
func (s *Store) ListAccounts(ctx context.Context) ([]store.Account, error) {
	list, err := queryAll(ctx, s.read, scanAccount, "SELECT "+accountColumns+" FROM accounts ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: list accounts: %w", err)
	}
	return list, nil
}

func scanMembership(r scanner) (store.Membership, error) {
	var (
		m       store.Membership
		created int64
	)
	if err := r.Scan(&m.AccountID, &m.UserID, (*string)(&m.Role), &created, &m.Email, &m.AccountName); err != nil {
		return store.Membership{}, err
	}
	m.CreatedAt = fromMillis(created)
	return m, nil
}

const membershipSelect = `SELECT m.account_id, m.user_id, m.role, m.created_at, u.email, a.name
	FROM memberships m JOIN users u ON u.id = m.user_id JOIN accounts a ON a.id = m.account_id `

// UserMemberships returns a user's memberships by account.
func (s *Store) UserMemberships(ctx context.Context, userID int64) ([]store.Membership, error) {
	list, err := queryAll(ctx, s.read, scanMembership, membershipSelect+"WHERE m.user_id = ? AND a.deleted_at = 0 ORDER BY m.account_id", userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: memberships of user %d: %w", userID, err)
	}
	return list, nil
}

// Members returns an account's members by joining time.
func (s *Store) Members(ctx context.Context, accountID int64) ([]store.Membership, error) {
	list, err := queryAll(ctx, s.read, scanMembership, membershipSelect+"WHERE m.account_id = ? ORDER BY m.created_at, m.user_id", accountID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: members of account %d: %w", accountID, err)
	}
	return list, nil
}

// Membership returns one user's membership of an account.
func (s *Store) Membership(ctx context.Context, accountID, userID int64) (store.Membership, error) {
	m, err := scanMembership(s.read.QueryRowContext(ctx, membershipSelect+"WHERE m.account_id = ? AND m.user_id = ? AND a.deleted_at = 0", accountID, userID))
	if err != nil {
		return store.Membership{}, fmt.Errorf("sqlite: membership of user %d in account %d: %w", userID, accountID, translate(err))
	}
	return m, nil
}

// AddMember adds a member with a role other than owner.
func (s *Store) AddMember(ctx context.Context, m store.Membership) error {
	if !m.Role.Valid() || m.Role == store.RoleOwner {
		return fmt.Errorf("sqlite: add member with role %q: %w", m.Role, store.ErrConflict)
	}
	m.CreatedAt = stamp(m.CreatedAt)
	if _, err := s.write.ExecContext(ctx, "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
		m.AccountID, m.UserID, string(m.Role), m.CreatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: add user %d to account %d: %w", m.UserID, m.AccountID, translate(err))
	}
	return nil
}

// SetRole changes a member's role; the owner's cannot change.
func (s *Store) SetRole(ctx context.Context, accountID, userID int64, role store.Role) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if !role.Valid() || role == store.RoleOwner {
			return store.ErrConflict
		}
		var cur string
		if err := tx.QueryRowContext(ctx, "SELECT role FROM memberships WHERE account_id = ? AND user_id = ?", accountID, userID).Scan(&cur); err != nil {
			return err
		}
		if cur == string(store.RoleOwner) {
			return store.ErrConflict
		}
		_, err := tx.ExecContext(ctx, "UPDATE memberships SET role = ? WHERE account_id = ? AND user_id = ?", string(role), accountID, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: set role of user %d in account %d: %w", userID, accountID, translate(err))
	}
	return nil
}

// RemoveMember ends a membership other than the owner's.
func (s *Store) RemoveMember(ctx context.Context, accountID, userID int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var cur string
		if err := tx.QueryRowContext(ctx, "SELECT role FROM memberships WHERE account_id = ? AND user_id = ?", accountID, userID).Scan(&cur); err != nil {
			return err
		}
		if cur == string(store.RoleOwner) {
			return store.ErrConflict
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM memberships WHERE account_id = ? AND user_id = ?", accountID, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: remove user %d from account %d: %w", userID, accountID, translate(err))
	}
	return nil
}

// TransferOwnership makes a member the owner and the owner an admin.
func (s *Store) TransferOwnership(ctx context.Context, accountID, toUserID int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var cur string
		if err := tx.QueryRowContext(ctx, "SELECT role FROM memberships WHERE account_id = ? AND user_id = ?", accountID, toUserID).Scan(&cur); err != nil {
			return err
		}
		if cur == string(store.RoleOwner) {
			return nil
		}
		// Demote first: the partial unique index allows one owner.
		if _, err := tx.ExecContext(ctx, "UPDATE memberships SET role = 'admin' WHERE account_id = ? AND role = 'owner'", accountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE memberships SET role = 'owner' WHERE account_id = ? AND user_id = ?", accountID, toUserID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: transfer account %d to user %d: %w", accountID, toUserID, translate(err))
	}
	return nil
}

const invitationColumns = "id, account_id, email, role, token_hash, expires_at, invited_by, created_at, accepted_at"

func scanInvitation(r scanner) (store.Invitation, error) {
	var (
		inv                        store.Invitation
		expires, created, accepted int64
		by                         sql.NullInt64
	)
	if err := r.Scan(&inv.ID, &inv.AccountID, &inv.Email, (*string)(&inv.Role), &inv.TokenHash, &expires, &by, &created, &accepted); err != nil {
		return store.Invitation{}, err
	}
	inv.ExpiresAt, inv.CreatedAt, inv.InvitedBy = fromMillis(expires), fromMillis(created), by.Int64
	if accepted != 0 {
		inv.AcceptedAt = fromMillis(accepted)
	}
	return inv, nil
}

// CreateInvitation stores an invitation, replacing a pending one to the
// same address.
func (s *Store) CreateInvitation(ctx context.Context, inv store.Invitation) (store.Invitation, error) {
	inv.Email = strings.ToLower(inv.Email)
	inv.CreatedAt = stamp(inv.CreatedAt)
	inv.ExpiresAt = stamp(inv.ExpiresAt)
	inv.AcceptedAt = time.Time{}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if !inv.Role.Valid() || inv.Role == store.RoleOwner {
			return store.ErrConflict
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM invitations WHERE account_id = ? AND email = ? AND accepted_at = 0", inv.AccountID, inv.Email); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO invitations (account_id, email, role, token_hash, expires_at, invited_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			inv.AccountID, inv.Email, string(inv.Role), inv.TokenHash, inv.ExpiresAt.UnixMilli(), nullID(inv.InvitedBy), inv.CreatedAt.UnixMilli())
		if err == nil {
			inv.ID, err = res.LastInsertId()
		}
		return err
	})
	if err != nil {
		return store.Invitation{}, fmt.Errorf("sqlite: invite to account %d: %w", inv.AccountID, translate(err))
	}
	return inv, nil
}

// Invitations returns an account's pending invitations, oldest first.
func (s *Store) Invitations(ctx context.Context, accountID int64) ([]store.Invitation, error) {
	list, err := queryAll(ctx, s.read, scanInvitation,
		"SELECT "+invitationColumns+" FROM invitations WHERE account_id = ? AND accepted_at = 0 ORDER BY created_at, id", accountID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: invitations of account %d: %w", accountID, err)
	}
	return list, nil
}

// InvitationByHash looks an invitation up by its token's hash.
func (s *Store) InvitationByHash(ctx context.Context, hash []byte) (store.Invitation, error) {
	inv, err := scanInvitation(s.read.QueryRowContext(ctx, "SELECT "+invitationColumns+" FROM invitations WHERE token_hash = ?", hash))
	if err != nil {
		return store.Invitation{}, fmt.Errorf("sqlite: invitation by hash: %w", translate(err))
	}
	return inv, nil
}

// DeleteInvitation removes a pending invitation of the account.
func (s *Store) DeleteInvitation(ctx context.Context, accountID, id int64) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"DELETE FROM invitations WHERE account_id = ? AND id = ? AND accepted_at = 0", accountID, id)); err != nil {
		return fmt.Errorf("sqlite: delete invitation %d of account %d: %w", id, accountID, err)
	}
	return nil
}

// AcceptInvitation accepts a pending, unexpired invitation for userID.
func (s *Store) AcceptInvitation(ctx context.Context, id, userID int64, at time.Time) (store.Membership, error) {
	at = stamp(at)
	var m store.Membership
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		inv, err := scanInvitation(tx.QueryRowContext(ctx,
			"SELECT "+invitationColumns+" FROM invitations WHERE id = ? AND accepted_at = 0 AND expires_at > ?", id, at.UnixMilli()))
		if err != nil {
			return err
		}
		m = store.Membership{AccountID: inv.AccountID, UserID: userID, Role: inv.Role, CreatedAt: at}
		if _, err := tx.ExecContext(ctx, "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
			m.AccountID, m.UserID, string(m.Role), at.UnixMilli()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE invitations SET accepted_at = ? WHERE id = ?", at.UnixMilli(), id)
		return err
	})
	if err != nil {
		return store.Membership{}, fmt.Errorf("sqlite: accept invitation %d: %w", id, translate(err))
	}
	return s.Membership(ctx, m.AccountID, m.UserID)
}

// AccountSites returns an account's sites by ID.
func (s *Store) AccountSites(ctx context.Context, accountID int64) ([]store.Site, error) {
	list, err := queryAll(ctx, s.read, scanSite, "SELECT "+siteColumns+" FROM sites WHERE account_id = ? ORDER BY id", accountID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sites of account %d: %w", accountID, err)
	}
	return list, nil
}

// MoveSite puts a site in another account.
func (s *Store) MoveSite(ctx context.Context, siteID, accountID int64) error {
	if err := mustAffect(s.write.ExecContext(ctx, "UPDATE sites SET account_id = ? WHERE id = ?", accountID, siteID)); err != nil {
		return fmt.Errorf("sqlite: move site %d to account %d: %w", siteID, accountID, err)
	}
	return nil
}

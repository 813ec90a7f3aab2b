package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/footfallhq/footfall/store"
)

const userColumns = "id, email, password_hash, admin, created_at"

func scanUser(r scanner) (store.User, error) {
	var (
		u       store.User
		created int64
	)
	if err := r.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Admin, &created); err != nil {
		return store.User{}, err
	}
	u.CreatedAt = fromMillis(created)
	return u, nil
}

// CreateUser stores u with a new ID (u.ID is ignored) and returns it as
// stored: email lower case, CreatedAt now if zero, at millisecond
// precision. A taken email is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u store.User) (store.User, error) {
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt = stamp(u.CreatedAt)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			"INSERT INTO users (email, password_hash, admin, created_at) VALUES (?, ?, ?, ?)",
			u.Email, u.PasswordHash, u.Admin, u.CreatedAt.UnixMilli())
		if err == nil {
			u.ID, err = res.LastInsertId()
		}
		if err != nil {
			return err
		}
		return createPersonalAccount(ctx, tx, u)
	})
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: create user %q: %w", u.Email, translate(err))
	}
	return u, nil
}

// UserByEmail looks a user up by email, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx,
		"SELECT "+userColumns+" FROM users WHERE email = ?", strings.ToLower(email)))
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: user %q: %w", email, translate(err))
	}
	return u, nil
}

// UserByID looks a user up by ID.
func (s *Store) UserByID(ctx context.Context, id int64) (store.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx,
		"SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: user %d: %w", id, translate(err))
	}
	return u, nil
}

// ListUsers returns every user, by ID ascending (creation order).
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	users, err := queryAll(ctx, s.read, scanUser, "SELECT "+userColumns+" FROM users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	return users, nil
}

// SetPassword replaces a user's password hash; a missing user is
// ErrNotFound.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)); err != nil {
		return fmt.Errorf("sqlite: set password of user %d: %w", userID, err)
	}
	return nil
}

// CreateFirstUser stores u like CreateUser, but only while the users table
// is empty; otherwise ErrConflict. One statement on the single writer
// connection, so two callers cannot both see an empty table.
func (s *Store) CreateFirstUser(ctx context.Context, u store.User) (store.User, error) {
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt = stamp(u.CreatedAt)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			"INSERT INTO users (email, password_hash, admin, created_at) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users)",
			u.Email, u.PasswordHash, u.Admin, u.CreatedAt.UnixMilli())
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err == nil && n == 0 {
			err = store.ErrConflict
		}
		if err == nil {
			u.ID, err = res.LastInsertId()
		}
		if err != nil {
			return err
		}
		return createPersonalAccount(ctx, tx, u)
	})
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: create first user %q: %w", u.Email, translate(err))
	}
	return u, nil
}

// HasUsers reports whether the users table has a row.
func (s *Store) HasUsers(ctx context.Context) (bool, error) {
	var exists bool
	if err := s.read.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users)").Scan(&exists); err != nil {
		return false, fmt.Errorf("sqlite: has users: %w", err)
	}
	return exists, nil
}

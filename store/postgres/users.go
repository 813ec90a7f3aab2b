package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

const userColumns = "id, email, password_hash, admin, created_at"

func scanUser(r pgx.Row) (store.User, error) {
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
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx,
			"INSERT INTO users (email, password_hash, admin, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
			u.Email, u.PasswordHash, u.Admin, u.CreatedAt.UnixMilli()).Scan(&u.ID); err != nil {
			return err
		}
		return createPersonalAccount(ctx, tx, u)
	})
	if err != nil {
		return store.User{}, fmt.Errorf("postgres: create user %q: %w", u.Email, translate(err))
	}
	return u, nil
}

// UserByEmail looks a user up by email, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx,
		"SELECT "+userColumns+" FROM users WHERE email = $1", strings.ToLower(email)))
	if err != nil {
		return store.User{}, fmt.Errorf("postgres: user %q: %w", email, translate(err))
	}
	return u, nil
}

// UserByID looks a user up by ID.
func (s *Store) UserByID(ctx context.Context, id int64) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx,
		"SELECT "+userColumns+" FROM users WHERE id = $1", id))
	if err != nil {
		return store.User{}, fmt.Errorf("postgres: user %d: %w", id, translate(err))
	}
	return u, nil
}

// ListUsers returns every user, by ID ascending (creation order).
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	users, err := queryAll(ctx, s, scanUser, "SELECT "+userColumns+" FROM users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", err)
	}
	return users, nil
}

// SetPassword replaces a user's password hash; a missing user is
// ErrNotFound.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	if err := mustAffect(s.pool.Exec(ctx,
		"UPDATE users SET password_hash = $1 WHERE id = $2", hash, userID)); err != nil {
		return fmt.Errorf("postgres: set password of user %d: %w", userID, err)
	}
	return nil
}

// CreateFirstUser stores u like CreateUser, but only while the users table
// is empty; otherwise ErrConflict. The table lock (which ordinary inserts
// wait for, and which excludes itself) keeps two callers from both seeing
// an empty table; it is held for one short transaction, once per instance.
func (s *Store) CreateFirstUser(ctx context.Context, u store.User) (store.User, error) {
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt = stamp(u.CreatedAt)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx,
			"INSERT INTO users (email, password_hash, admin, created_at) SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING id",
			u.Email, u.PasswordHash, u.Admin, u.CreatedAt.UnixMilli()).Scan(&u.ID); err != nil {
			return err
		}
		return createPersonalAccount(ctx, tx, u)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrConflict
	}
	if err != nil {
		return store.User{}, fmt.Errorf("postgres: create first user %q: %w", u.Email, translate(err))
	}
	return u, nil
}

// HasUsers reports whether the users table has a row.
func (s *Store) HasUsers(ctx context.Context) (bool, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users)").Scan(&exists); err != nil {
		return false, fmt.Errorf("postgres: has users: %w", err)
	}
	return exists, nil
}

package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// CreateAccountToken stores t.
func (s *Store) CreateAccountToken(ctx context.Context, t store.AccountToken) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO account_tokens (hash, user_id, purpose, email, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.Hash, t.UserID, t.Purpose, strings.ToLower(t.Email), stamp(t.CreatedAt).UnixMilli(), t.ExpiresAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("postgres: create %s token: %w", t.Purpose, translate(err))
	}
	return nil
}

// UseAccountToken deletes and returns a live token in one statement.
func (s *Store) UseAccountToken(ctx context.Context, hash []byte, purpose string, now time.Time) (store.AccountToken, error) {
	var (
		t                store.AccountToken
		created, expires int64
	)
	err := s.pool.QueryRow(ctx, `DELETE FROM account_tokens WHERE hash = $1 AND purpose = $2 AND expires_at > $3
		RETURNING hash, user_id, purpose, email, created_at, expires_at`, hash, purpose, now.UnixMilli()).Scan(
		&t.Hash, &t.UserID, &t.Purpose, &t.Email, &created, &expires)
	if err != nil {
		return store.AccountToken{}, fmt.Errorf("postgres: use %s token: %w", purpose, translate(err))
	}
	t.CreatedAt, t.ExpiresAt = fromMillis(created), fromMillis(expires)
	return t, nil
}

// DeleteAccountTokens removes the user's tokens of purpose ("" = all).
func (s *Store) DeleteAccountTokens(ctx context.Context, userID int64, purpose string) error {
	_, err := s.pool.Exec(ctx, "DELETE FROM account_tokens WHERE user_id = $1 AND ($2 = '' OR purpose = $2)", userID, purpose)
	if err != nil {
		return fmt.Errorf("postgres: delete tokens of user %d: %w", userID, err)
	}
	return nil
}

// DeleteExpiredAccountTokens removes tokens expired at now.
func (s *Store) DeleteExpiredAccountTokens(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM account_tokens WHERE expires_at <= $1", now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired tokens: %w", err)
	}
	return tag.RowsAffected(), nil
}

// EmailVerifiedAt is when the user's address was verified (zero: not).
func (s *Store) EmailVerifiedAt(ctx context.Context, userID int64) (time.Time, error) {
	var at int64
	if err := s.pool.QueryRow(ctx, "SELECT email_verified_at FROM users WHERE id = $1", userID).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("postgres: email verification of user %d: %w", userID, translate(err))
	}
	if at == 0 {
		return time.Time{}, nil
	}
	return fromMillis(at), nil
}

// SetEmailVerified marks the user's address verified.
func (s *Store) SetEmailVerified(ctx context.Context, userID int64, at time.Time) error {
	if err := mustAffect(s.pool.Exec(ctx, "UPDATE users SET email_verified_at = $1 WHERE id = $2",
		stamp(at).UnixMilli(), userID)); err != nil {
		return fmt.Errorf("postgres: verify email of user %d: %w", userID, err)
	}
	return nil
}

// RememberDevice records a sign-in from device: an insert that does
// nothing for a known device (so of concurrent first sightings one is
// new), then the last-seen time.
func (s *Store) RememberDevice(ctx context.Context, userID int64, device []byte, at time.Time) (bool, error) {
	ms := stamp(at).UnixMilli()
	tag, err := s.pool.Exec(ctx, `INSERT INTO known_devices (user_id, device, first_seen_at, last_seen_at)
		VALUES ($1, $2, $3, $3) ON CONFLICT (user_id, device) DO NOTHING`, userID, device, ms)
	if err == nil && tag.RowsAffected() == 0 {
		err = mustAffect(s.pool.Exec(ctx, "UPDATE known_devices SET last_seen_at = GREATEST(last_seen_at, $1) WHERE user_id = $2 AND device = $3",
			ms, userID, device))
	}
	if err != nil {
		return false, fmt.Errorf("postgres: remember device of user %d: %w", userID, translate(err))
	}
	return tag.RowsAffected() == 1, nil
}

// ForgetDevicesBefore removes devices last seen before t.
func (s *Store) ForgetDevicesBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM known_devices WHERE last_seen_at < $1", t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("postgres: forget devices: %w", err)
	}
	return tag.RowsAffected(), nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

// TOTP returns the user's second factor.
func (s *Store) TOTP(ctx context.Context, userID int64) (store.TOTP, error) {
	var t store.TOTP
	err := s.pool.QueryRow(ctx,
		"SELECT totp_sealed, totp_enabled, totp_last_step FROM users WHERE id = $1", userID).Scan(&t.Sealed, &t.Enabled, &t.LastStep)
	if err != nil {
		return store.TOTP{}, fmt.Errorf("postgres: totp of user %d: %w", userID, translate(err))
	}
	return t, nil
}

// SetTOTP stores a new secret, not yet enabled.
func (s *Store) SetTOTP(ctx context.Context, userID int64, sealed []byte) error {
	if sealed == nil {
		sealed = []byte{}
	}
	if err := mustAffect(s.pool.Exec(ctx,
		"UPDATE users SET totp_sealed = $1, totp_enabled = false WHERE id = $2", sealed, userID)); err != nil {
		return fmt.Errorf("postgres: set totp of user %d: %w", userID, err)
	}
	return nil
}

// EnableTOTP enables the stored secret and replaces the recovery codes.
func (s *Store) EnableTOTP(ctx context.Context, userID int64, recoveryHashes [][]byte) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := mustAffect(tx.Exec(ctx,
			"UPDATE users SET totp_enabled = true WHERE id = $1 AND totp_sealed IS NOT NULL", userID)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM recovery_codes WHERE user_id = $1", userID); err != nil {
			return err
		}
		for _, h := range recoveryHashes {
			if _, err := tx.Exec(ctx, "INSERT INTO recovery_codes (user_id, hash) VALUES ($1, $2)", userID, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: enable totp of user %d: %w", userID, translate(err))
	}
	return nil
}

// DisableTOTP removes the secret and the recovery codes.
func (s *Store) DisableTOTP(ctx context.Context, userID int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET totp_sealed = NULL, totp_enabled = false WHERE id = $1", userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM recovery_codes WHERE user_id = $1", userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: disable totp of user %d: %w", userID, err)
	}
	return nil
}

// UseTOTPStep records an accepted time step if it is later than the last.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) error {
	err := mustAffect(s.pool.Exec(ctx,
		"UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1", step, userID))
	if errors.Is(err, store.ErrNotFound) {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("postgres: use totp step of user %d: %w", userID, err)
	}
	return nil
}

// UseRecoveryCode deletes one of the user's recovery codes.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash []byte) error {
	if err := mustAffect(s.pool.Exec(ctx,
		"DELETE FROM recovery_codes WHERE user_id = $1 AND hash = $2", userID, hash)); err != nil {
		return fmt.Errorf("postgres: use recovery code of user %d: %w", userID, err)
	}
	return nil
}

package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/footfallhq/footfall/store"
)

// TOTP returns the user's second factor.
func (s *Store) TOTP(ctx context.Context, userID int64) (store.TOTP, error) {
	var t store.TOTP
	err := s.read.QueryRowContext(ctx,
		"SELECT totp_sealed, totp_enabled, totp_last_step FROM users WHERE id = ?", userID).Scan(&t.Sealed, &t.Enabled, &t.LastStep)
	if err != nil {
		return store.TOTP{}, fmt.Errorf("sqlite: totp of user %d: %w", userID, translate(err))
	}
	return t, nil
}

// SetTOTP stores a new secret, not yet enabled.
func (s *Store) SetTOTP(ctx context.Context, userID int64, sealed []byte) error {
	if sealed == nil {
		sealed = []byte{}
	}
	if err := mustAffect(s.write.ExecContext(ctx,
		"UPDATE users SET totp_sealed = ?, totp_enabled = 0 WHERE id = ?", sealed, userID)); err != nil {
		return fmt.Errorf("sqlite: set totp of user %d: %w", userID, err)
	}
	return nil
}

// EnableTOTP enables the stored secret and replaces the recovery codes.
func (s *Store) EnableTOTP(ctx context.Context, userID int64, recoveryHashes [][]byte) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: enable totp of user %d: %w", userID, err)
	}
	defer tx.Rollback()
	err = mustAffect(tx.ExecContext(ctx,
		"UPDATE users SET totp_enabled = 1 WHERE id = ? AND totp_sealed IS NOT NULL", userID))
	if err == nil {
		_, err = tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE user_id = ?", userID)
	}
	for _, h := range recoveryHashes {
		if err != nil {
			break
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)", userID, h)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return fmt.Errorf("sqlite: enable totp of user %d: %w", userID, translate(err))
	}
	return nil
}

// DisableTOTP removes the secret and the recovery codes.
func (s *Store) DisableTOTP(ctx context.Context, userID int64) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: disable totp of user %d: %w", userID, err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, "UPDATE users SET totp_sealed = NULL, totp_enabled = 0 WHERE id = ?", userID)
	if err == nil {
		_, err = tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE user_id = ?", userID)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return fmt.Errorf("sqlite: disable totp of user %d: %w", userID, err)
	}
	return nil
}

// UseTOTPStep records an accepted time step if it is later than the last.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) error {
	err := mustAffect(s.write.ExecContext(ctx,
		"UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", step, userID, step))
	if errors.Is(err, store.ErrNotFound) {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlite: use totp step of user %d: %w", userID, err)
	}
	return nil
}

// UseRecoveryCode deletes one of the user's recovery codes.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash []byte) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"DELETE FROM recovery_codes WHERE user_id = ? AND hash = ?", userID, hash)); err != nil {
		return fmt.Errorf("sqlite: use recovery code of user %d: %w", userID, err)
	}
	return nil
}

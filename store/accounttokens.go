package store

import (
	"context"
	"time"
)

// AccountToken is a single-use link sent by email: verify an address,
// reset a password. Only a hash of the token is stored.
type AccountToken struct {
	Hash      []byte // SHA-256 of the token
	UserID    int64
	Purpose   string // TokenVerifyEmail, TokenResetPassword
	Email     string // the address it was sent to
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AccountToken purposes.
const (
	TokenVerifyEmail   = "verify_email"
	TokenResetPassword = "reset_password"
)

// AccountMail is what account emails need stored: single-use tokens,
// whether an address is verified, and the devices a user signed in from.
type AccountMail interface {
	// CreateAccountToken stores t (CreatedAt now when zero). ErrConflict
	// for a hash already stored; ErrNotFound for a missing user.
	CreateAccountToken(ctx context.Context, t AccountToken) error
	// UseAccountToken deletes and returns the token with hash and
	// purpose if it expires after now. ErrNotFound otherwise (unknown,
	// used, expired, other purpose). Of concurrent callers with the same
	// token, one succeeds.
	UseAccountToken(ctx context.Context, hash []byte, purpose string, now time.Time) (AccountToken, error)
	// DeleteAccountTokens removes the user's tokens of purpose ("" = all).
	DeleteAccountTokens(ctx context.Context, userID int64, purpose string) error
	// DeleteExpiredAccountTokens removes tokens expired at now.
	DeleteExpiredAccountTokens(ctx context.Context, now time.Time) (int64, error)

	// EmailVerifiedAt is when the user's address was verified; zero when
	// not. ErrNotFound for a missing user.
	EmailVerifiedAt(ctx context.Context, userID int64) (time.Time, error)
	// SetEmailVerified marks the user's address verified at at.
	// ErrNotFound for a missing user.
	SetEmailVerified(ctx context.Context, userID int64, at time.Time) error

	// RememberDevice records that the user signed in from device (an
	// opaque hash) at at, and reports whether it was the first time.
	// ErrNotFound for a missing user.
	RememberDevice(ctx context.Context, userID int64, device []byte, at time.Time) (isNew bool, err error)
	// ForgetDevicesBefore removes devices last seen before t.
	ForgetDevicesBefore(ctx context.Context, t time.Time) (int64, error)
}

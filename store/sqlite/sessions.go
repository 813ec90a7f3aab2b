package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/footfallhq/footfall/store"
)

const sessionColumns = "id, user_id, token_hash, csrf_token, user_agent, location, created_at, last_seen_at, expires_at"

func scanSession(r scanner) (store.Session, error) {
	var (
		s                      store.Session
		created, seen, expires int64
	)
	if err := r.Scan(&s.ID, &s.UserID, &s.TokenHash, &s.CSRFToken, &s.UserAgent, &s.Location, &created, &seen, &expires); err != nil {
		return store.Session{}, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMillis(created), fromMillis(seen), fromMillis(expires)
	return s, nil
}

// CreateSession stores sess with a new ID; see store.App.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) (store.Session, error) {
	sess.CreatedAt = stamp(sess.CreatedAt)
	if sess.LastSeenAt.IsZero() {
		sess.LastSeenAt = sess.CreatedAt
	}
	sess.LastSeenAt, sess.ExpiresAt = stamp(sess.LastSeenAt), fromMillis(sess.ExpiresAt.UnixMilli())
	if sess.TokenHash == nil {
		sess.TokenHash = []byte{}
	}
	res, err := s.write.ExecContext(ctx,
		"INSERT INTO sessions (user_id, token_hash, csrf_token, user_agent, location, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		sess.UserID, sess.TokenHash, sess.CSRFToken, sess.UserAgent, sess.Location,
		sess.CreatedAt.UnixMilli(), sess.LastSeenAt.UnixMilli(), sess.ExpiresAt.UnixMilli())
	if err == nil {
		sess.ID, err = res.LastInsertId()
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: create session of user %d: %w", sess.UserID, translate(err))
	}
	return sess, nil
}

// SessionByHash looks a session up by the hash of its token, expired or
// not.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (store.Session, error) {
	sess, err := scanSession(s.read.QueryRowContext(ctx,
		"SELECT "+sessionColumns+" FROM sessions WHERE token_hash = ?", hash))
	if err != nil {
		// Never print the hash: it identifies a live credential.
		return store.Session{}, fmt.Errorf("sqlite: session by hash: %w", translate(err))
	}
	return sess, nil
}

// ListSessions returns a user's sessions by ID ascending.
func (s *Store) ListSessions(ctx context.Context, userID int64) ([]store.Session, error) {
	list, err := queryAll(ctx, s.read, scanSession,
		"SELECT "+sessionColumns+" FROM sessions WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list sessions of user %d: %w", userID, err)
	}
	return list, nil
}

// TouchSession sets a session's last use and expiry.
func (s *Store) TouchSession(ctx context.Context, id int64, lastSeen, expires time.Time) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?",
		lastSeen.UnixMilli(), expires.UnixMilli(), id)); err != nil {
		return fmt.Errorf("sqlite: touch session %d: %w", id, err)
	}
	return nil
}

// DeleteSession removes a session of the user.
func (s *Store) DeleteSession(ctx context.Context, userID, id int64) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"DELETE FROM sessions WHERE id = ? AND user_id = ?", id, userID)); err != nil {
		return fmt.Errorf("sqlite: delete session %d of user %d: %w", id, userID, err)
	}
	return nil
}

// DeleteUserSessions removes every session of the user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := s.write.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("sqlite: delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions expired at now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", now.UnixMilli())
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return n, nil
}

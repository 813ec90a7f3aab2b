package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

const apiKeyColumns = "id, user_id, name, prefix, hash, created_at, last_used_at, scopes"

func scanAPIKey(r scanner) (store.APIKey, error) {
	var (
		k       store.APIKey
		created int64
		used    sql.NullInt64
		scopes  string
	)
	if err := r.Scan(&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &created, &used, &scopes); err != nil {
		return store.APIKey{}, err
	}
	k.Scopes = strings.Fields(scopes)
	k.CreatedAt = fromMillis(created)
	k.LastUsedAt = fromNullMillis(used)
	return k, nil
}

// CreateAPIKey stores k with a new ID (k.ID is ignored) and returns it as
// stored: CreatedAt now if zero, times at millisecond precision. A hash
// already stored is ErrConflict; a UserID naming no user is ErrNotFound.
func (s *Store) CreateAPIKey(ctx context.Context, k store.APIKey) (store.APIKey, error) {
	k.CreatedAt = stamp(k.CreatedAt)
	if !k.LastUsedAt.IsZero() {
		k.LastUsedAt = stamp(k.LastUsedAt)
	}
	if len(k.Scopes) == 0 {
		k.Scopes = []string{store.ScopeStatsRead}
	}
	res, err := s.write.ExecContext(ctx,
		"INSERT INTO api_keys (user_id, name, prefix, hash, created_at, last_used_at, scopes) VALUES (?, ?, ?, ?, ?, ?, ?)",
		k.UserID, k.Name, k.Prefix, k.Hash, k.CreatedAt.UnixMilli(), nullMillis(k.LastUsedAt), strings.Join(k.Scopes, " "))
	if err == nil {
		k.ID, err = res.LastInsertId()
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("sqlite: create api key %q of user %d: %w", k.Prefix, k.UserID, translate(err))
	}
	return k, nil
}

// APIKeyByHash looks a key up by the hash of its secret.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (store.APIKey, error) {
	k, err := scanAPIKey(s.read.QueryRowContext(ctx,
		"SELECT "+apiKeyColumns+" FROM api_keys WHERE hash = ?", hash))
	if err != nil {
		// Never print the hash: it identifies a live credential.
		return store.APIKey{}, fmt.Errorf("sqlite: api key by hash: %w", translate(err))
	}
	return k, nil
}

// ListAPIKeys returns a user's keys by ID ascending; none (also for an
// unknown user) is an empty list.
func (s *Store) ListAPIKeys(ctx context.Context, userID int64) ([]store.APIKey, error) {
	keys, err := queryAll(ctx, s.read, scanAPIKey,
		"SELECT "+apiKeyColumns+" FROM api_keys WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list api keys of user %d: %w", userID, err)
	}
	return keys, nil
}

// DeleteAPIKey removes a key; a missing key is ErrNotFound.
func (s *Store) DeleteAPIKey(ctx context.Context, id int64) error {
	if err := mustAffect(s.write.ExecContext(ctx, "DELETE FROM api_keys WHERE id = ?", id)); err != nil {
		return fmt.Errorf("sqlite: delete api key %d: %w", id, err)
	}
	return nil
}

// TouchAPIKey records that a key was used at at (millisecond precision);
// a missing key is ErrNotFound. It is one indexed UPDATE, cheap enough to
// run on every API request.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"UPDATE api_keys SET last_used_at = ? WHERE id = ?", nullMillis(at), id)); err != nil {
		return fmt.Errorf("sqlite: touch api key %d: %w", id, err)
	}
	return nil
}

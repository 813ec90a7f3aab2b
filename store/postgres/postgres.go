// Package postgres is the server app-data backend: store.App on PostgreSQL,
// for SaaS deployments where several stateless replicas share one
// database. It mirrors store/sqlite table for table and migration for
// migration; timestamps are BIGINT UTC unix milliseconds in both.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/footfallhq/footfall/store"
)

// PostgreSQL error codes the store translates (Appendix A of its manual).
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// Store is the PostgreSQL implementation of store.App. It is safe for
// concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.App = (*Store)(nil)

// Open connects to the database named by url, a libpq URL or key=value
// string (postgres://user:pass@host:5432/db?sslmode=disable; pool_max_conns
// and the other pgxpool parameters are honoured, as is search_path). It
// checks that the server answers but does not migrate: call Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error can quote the URL, password included.
		return nil, errors.New("postgres: cannot parse the database URL")
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed configuration, for callers (tests) that
// set connection parameters such as search_path themselves.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &Store{pool: pool}, nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes every connection of the pool, waiting for those in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// translate maps driver errors to the store's error values. Constraint
// errors replace the driver error (its text names tables and columns,
// which callers have no use for); anything else is kept for the log.
func translate(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case uniqueViolation:
			return store.ErrConflict
		case foreignKeyViolation:
			// Only inserts can violate a foreign key here (deletes cascade
			// or set NULL): the row they point at is missing.
			return fmt.Errorf("referenced row %w", store.ErrNotFound)
		}
	}
	return err
}

// mustAffect turns an UPDATE or DELETE that matched nothing into
// ErrNotFound.
func mustAffect(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return translate(err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// queryAll runs a query and scans every row. It returns an empty, non-nil
// slice when there are no rows, so callers that encode JSON print [] rather
// than null.
func queryAll[T any](ctx context.Context, s *Store, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// stamp returns t as stored: UTC, millisecond precision; now if t is zero.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// fromMillis is the inverse of time.Time.UnixMilli, in UTC.
func fromMillis(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}

// nullMillis stores the zero time as NULL, for optional timestamps.
func nullMillis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}

// fromNullMillis maps NULL back to the zero time.
func fromNullMillis(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return fromMillis(*ms)
}

// nullID stores id 0 ("none") as NULL, for optional references.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

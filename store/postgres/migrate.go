package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// migrationFiles holds migrations/NNNN_name.sql, applied in version order.
// The numbers match store/sqlite's: a version means the same schema on
// both. A file runs inside a transaction.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string // file name, for errors
	sql     string
}

// migrateLockKey names the advisory lock that serialises migrations. It is
// combined with the schema the connection works in, so replicas sharing a
// schema queue behind one another while databases or schemas of their own
// (tests, several installs on one server) do not wait for each other.
const migrateLockKey = "footfall.migrate:"

// Migrate applies pending migrations, each in its own transaction, and
// records them in schema_migrations. Replicas starting together are
// serialised by a session-level advisory lock, so each migration runs
// exactly once; later ones find nothing to do. It refuses a database
// migrated by a newer binary.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return s.migrate(ctx, sub)
}

// migrate applies the migrations found at the root of fsys; tests pass
// their own.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	migrations, err := loadMigrations(fsys)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	// The advisory lock belongs to a session: hold one connection for the
	// whole run, lock and unlock on it.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtextextended($1 || current_schema(), 0))", migrateLockKey); err != nil {
		return fmt.Errorf("postgres: migrate: take the migration lock: %w", err)
	}
	defer func() {
		// A failed unlock (connection lost) releases the lock anyway, with
		// the session; a cancelled ctx must not leave it held.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))", migrateLockKey)
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at BIGINT  NOT NULL
	)`); err != nil {
		return fmt.Errorf("postgres: migrate: create schema_migrations: %w", err)
	}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return fmt.Errorf("postgres: migrate: read schema_migrations: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return fmt.Errorf("postgres: migrate: read schema_migrations: %w", err)
	}
	if n := len(applied); n > 0 && (len(migrations) == 0 || applied[n-1] > migrations[len(migrations)-1].version) {
		return fmt.Errorf("postgres: migrate: database is at version %d, newer than this binary knows; upgrade footfall", applied[n-1])
	}
	for _, m := range migrations {
		if _, ok := slices.BinarySearch(applied, m.version); ok {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
				m.version, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migrate: %s: %w", m.name, err)
		}
	}
	return nil
}

// loadMigrations reads NNNN_name.sql files from the root of fsys, sorted
// by version. Other files are an error, so a misnamed migration is not
// silently skipped.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") || e.IsDir() {
			return nil, fmt.Errorf("%s: not a migration (want NNNN_name.sql)", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%s: version %q is not a positive number", name, num)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("%s and %s: same version %d", out[i-1].name, out[i].name, out[i].version)
		}
	}
	return out, nil
}

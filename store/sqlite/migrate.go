package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds migrations/NNNN_name.sql, applied in version order.
// The PostgreSQL backend numbers its migrations alike, so a version means
// the same schema on both. A file runs inside a transaction: it must not
// change PRAGMA foreign_keys (a no-op in a transaction) and must not
// depend on running outside one.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string // file name, for errors
	sql     string
}

// Migrate applies pending migrations, each in its own transaction, and
// records them in schema_migrations. It is a no-op when none is pending,
// and safe to run from several processes at once: each migration is
// re-checked under the write lock before it runs. It refuses a database
// migrated by a newer binary.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return s.migrate(ctx, sub)
}

// migrate applies the migrations found at the root of fsys; tests pass
// their own.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	migrations, err := loadMigrations(fsys)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrate: create schema_migrations: %w", err)
	}

	// Read what is applied without the write lock, so that the common case
	// (nothing to do, at every start) does not block other writers.
	applied, err := queryAll(ctx, s.write, func(r scanner) (int, error) {
		var v int
		return v, r.Scan(&v)
	}, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: read schema_migrations: %w", err)
	}
	if n := len(applied); n > 0 && (len(migrations) == 0 || applied[n-1] > migrations[len(migrations)-1].version) {
		return fmt.Errorf("sqlite: migrate: database is at version %d, newer than this binary knows; upgrade footfall", applied[n-1])
	}
	for _, m := range migrations {
		if _, ok := slices.BinarySearch(applied, m.version); ok {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("sqlite: migrate: %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration unless another process got there first.
func (s *Store) apply(ctx context.Context, m migration) error {
	// BEGIN IMMEDIATE (see writeParams): the write lock is held from here,
	// so the check below cannot race with another migrating process.
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// After Commit this is a no-op; on an earlier failure that error is the
	// one worth returning.
	defer func() { _ = tx.Rollback() }()

	var one int
	err = tx.QueryRowContext(ctx, "SELECT 1 FROM schema_migrations WHERE version = ?", m.version).Scan(&one)
	switch {
	case err == nil:
		return nil // applied meanwhile by another process
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
		m.version, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
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

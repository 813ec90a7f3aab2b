package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migrate applies the numbered migrations of fsys ("0001_name.sql", …)
// that schema_version does not list yet, each in its own transaction
// together with its schema_version row, so a failed step leaves the
// database at the previous version. DuckDB lets one process open a file,
// so no lock beyond the transaction is needed.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		name       VARCHAR NOT NULL,
		applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
	)`); err != nil {
		return fmt.Errorf("duckdb: migrate: %w", err)
	}
	var current int
	if err := db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&current); err != nil {
		return fmt.Errorf("duckdb: migrate: read version: %w", err)
	}
	steps, err := migrationSteps(fsys)
	if err != nil {
		return err
	}
	// Migrations only go forward: a binary older than the database would
	// write rows the newer schema does not expect, so it must not start.
	if known := lastVersion(steps); current > known {
		return fmt.Errorf("duckdb: migrate: the events database is at schema version %d, newer than this binary knows (%d): it was opened by a newer footfall; upgrade footfall (or restore a backup made by this version)", current, known)
	}
	for _, st := range steps {
		if st.version <= current {
			continue
		}
		if err := applyStep(ctx, db, fsys, st); err != nil {
			return fmt.Errorf("duckdb: migrate to %s: %w", st.name, err)
		}
	}
	return nil
}

func lastVersion(steps []migrationStep) int {
	if len(steps) == 0 {
		return 0
	}
	return steps[len(steps)-1].version
}

type migrationStep struct {
	version int
	name    string
}

func migrationSteps(fsys fs.FS) ([]migrationStep, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("duckdb: migrations: %w", err)
	}
	var steps []migrationStep
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("duckdb: migration %q is not named NNNN_name.sql", base)
		}
		steps = append(steps, migrationStep{v, n})
	}
	slices.SortFunc(steps, func(a, b migrationStep) int { return a.version - b.version })
	for i := 1; i < len(steps); i++ {
		if steps[i].version == steps[i-1].version {
			return nil, fmt.Errorf("duckdb: migrations %q and %q share a number", steps[i-1].name, steps[i].name)
		}
	}
	return steps, nil
}

func applyStep(ctx context.Context, db *sql.DB, fsys fs.FS, st migrationStep) (err error) {
	body, err := fs.ReadFile(fsys, st.name)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, name) VALUES (?, ?)", st.version, path.Base(st.name)); err != nil {
		return err
	}
	return tx.Commit()
}

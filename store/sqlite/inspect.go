package sqlite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// Info describes a database file: its migration version and the rows of
// each table.
type Info struct {
	SchemaVersion int
	Rows          map[string]int64
}

// Inspect reads Info from the database file at path without changing it
// (read-only and immutable, so not even a WAL or journal is created): for
// checking a backup copy before and after it is restored.
func Inspect(ctx context.Context, path string) (info Info, err error) {
	db, err := openDB(ctx, "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&immutable=1", 1)
	if err != nil {
		return Info{}, fmt.Errorf("sqlite: inspect %s: %w", path, err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	if err := db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&info.SchemaVersion); err != nil {
		return Info{}, fmt.Errorf("sqlite: inspect %s: schema version: %w", path, err)
	}
	tables, err := queryAll(ctx, db, func(r scanner) (string, error) {
		var t string
		return t, r.Scan(&t)
	}, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return Info{}, fmt.Errorf("sqlite: inspect %s: %w", path, err)
	}
	info.Rows = make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return Info{}, fmt.Errorf("sqlite: inspect %s: count %s: %w", path, t, err)
		}
		info.Rows[t] = n
	}
	return info, nil
}

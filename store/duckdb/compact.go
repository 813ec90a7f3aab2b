package duckdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Compact rewrites the database at path into a fresh file, events sorted by
// (site_id, ts), and swaps it in. Data appended batch by batch compresses
// worse than the same rows written at once (measured: 28.6 against 19.4
// bytes per event for a million events), so bulk loads end with it. No
// other process may hold the file. A crash before the final rename leaves
// the original untouched; a stale temporary file is removed next time.
func Compact(ctx context.Context, path string, opts Options) (before, after int64, err error) {
	if path == "" || path == ":memory:" {
		return 0, 0, errors.New("duckdb: compact: not a file database")
	}
	tmp := path + ".compact"
	for _, p := range []string{tmp, tmp + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, 0, fmt.Errorf("duckdb: compact: %w", err)
		}
	}
	// The fresh file gets its schema from the migrations, like any new
	// database, so constraints and versions match.
	fresh, err := Open(ctx, tmp, opts)
	if err != nil {
		return 0, 0, err
	}
	if err := fresh.Close(); err != nil {
		return 0, 0, err
	}
	src, err := Open(ctx, path, opts)
	if err != nil {
		os.Remove(tmp)
		return 0, 0, err
	}
	if err := src.Checkpoint(ctx); err != nil {
		src.Close()
		os.Remove(tmp)
		return 0, 0, err
	}
	if before, err = src.Size(ctx); err != nil {
		src.Close()
		os.Remove(tmp)
		return 0, 0, err
	}
	quoted := strings.ReplaceAll(tmp, "'", "''")
	steps := []string{
		"ATTACH '" + quoted + "' AS fresh",
		"INSERT INTO fresh.events SELECT * FROM main.events ORDER BY site_id, ts",
		"UPDATE fresh.queue_position SET seq = (SELECT seq FROM main.queue_position)",
		"INSERT INTO fresh.rollup_days SELECT * FROM main.rollup_days ORDER BY site_id, vday",
		"INSERT INTO fresh.rollup_visits SELECT * FROM main.rollup_visits ORDER BY site_id, dim, vday",
		"INSERT INTO fresh.rollup_goals SELECT * FROM main.rollup_goals ORDER BY site_id, goal, vday",
		"INSERT INTO fresh.rollup_series SELECT * FROM main.rollup_series ORDER BY site_id, tz, vday",
		"INSERT INTO fresh.rollup_sessions SELECT * FROM main.rollup_sessions ORDER BY site_id, vday",
		"INSERT INTO fresh.rollup_session_days SELECT * FROM main.rollup_session_days",
		"DETACH fresh",
	}
	for _, q := range steps {
		if _, err := src.db.ExecContext(ctx, q); err != nil {
			src.Close()
			os.Remove(tmp)
			return 0, 0, fmt.Errorf("duckdb: compact: %s: %w", strings.SplitN(q, " ", 2)[0], err)
		}
	}
	if err := src.Close(); err != nil {
		os.Remove(tmp)
		return 0, 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, 0, fmt.Errorf("duckdb: compact: swap in %s: %w", tmp, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return before, 0, fmt.Errorf("duckdb: compact: %w", err)
	}
	return before, fi.Size(), nil
}

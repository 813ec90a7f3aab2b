package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	ddb "github.com/duckdb/duckdb-go/v2"
)

// Snapshot describes what Export wrote: one consistent view of the
// database.
type Snapshot struct {
	// SchemaVersion is the database's migration version.
	SchemaVersion int
	// Files maps each exported table to its Parquet file name in the
	// export directory.
	Files map[string]string
	// Rows is the number of rows per exported table.
	Rows map[string]int64
	// EventsPerSite counts the events table by site_id.
	EventsPerSite map[int64]int64
}

// bookkeeping tables are not data: the schema comes from the migrations,
// and the queue position belongs to the WAL the backup does not carry.
var bookkeeping = []string{"schema_version", "queue_position"}

// Export writes every data table to dir/<table>.parquet (zstd-compressed),
// all from one transaction, so the files and the returned counts are one
// consistent snapshot while appends go on. dir must exist; files in it
// with the same names are replaced.
//
// Parquet rather than a copy of the database file: it is a third of the
// size (the file keeps free blocks and per-row-group overhead), it is read
// by any later DuckDB version and by ClickHouse (the way from an appliance
// to a cluster), and the copy needs no checkpoint that would stall
// appends.
func (s *Store) Export(ctx context.Context, dir string) (snap Snapshot, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("duckdb: export: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("duckdb: export: %w", err)
	}
	// Nothing is written inside: the rollback just ends the snapshot.
	defer func() { _ = tx.Rollback() }()

	snap = Snapshot{Files: map[string]string{}, Rows: map[string]int64{}, EventsPerSite: map[int64]int64{}}
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&snap.SchemaVersion); err != nil {
		return Snapshot{}, fmt.Errorf("duckdb: export: schema version: %w", err)
	}
	tables, err := dataTables(ctx, tx)
	if err != nil {
		return Snapshot{}, err
	}
	for _, t := range tables {
		name := t + ".parquet"
		// No ORDER BY: under FOOTFALL_DUCKDB_MEMORY_LIMIT (256MB) the sort
		// beside the Parquet writer's buffers ran out of memory on 1M
		// events, and unsorted files were no larger (Import sorts).
		src := quoteIdent(t)
		q := fmt.Sprintf("COPY %s TO %s (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)",
			src, quoteString(filepath.Join(dir, name)))
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return Snapshot{}, fmt.Errorf("duckdb: export %s: %w", t, err)
		}
		var n int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(t)).Scan(&n); err != nil {
			return Snapshot{}, fmt.Errorf("duckdb: export %s: count: %w", t, err)
		}
		snap.Files[t], snap.Rows[t] = name, n
	}
	rows, err := tx.QueryContext(ctx, "SELECT site_id, count(*) FROM events GROUP BY site_id")
	if err != nil {
		return Snapshot{}, fmt.Errorf("duckdb: export: count per site: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var site, n int64
		if err := rows.Scan(&site, &n); err != nil {
			return Snapshot{}, fmt.Errorf("duckdb: export: count per site: %w", err)
		}
		snap.EventsPerSite[site] = n
	}
	if err := rows.Err(); err != nil {
		return Snapshot{}, fmt.Errorf("duckdb: export: count per site: %w", err)
	}
	return snap, nil
}

// Import loads Parquet files written by Export (table name → file path)
// into this database, which must hold no events yet, in one transaction,
// then checkpoints. Columns are matched by name, so an export made at an
// older schema version loads into a newer one: columns added since take
// their defaults. A table the file names but the schema lacks is an error.
func (s *Store) Import(ctx context.Context, files map[string]string) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var existing int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&existing); err != nil {
		return fmt.Errorf("duckdb: import: %w", err)
	}
	if existing > 0 {
		return fmt.Errorf("duckdb: import: the database already holds %d events; import into a new one", existing)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("duckdb: import: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	tables, err := dataTables(ctx, tx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for t := range files {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		if !slices.Contains(tables, t) {
			return fmt.Errorf("duckdb: import: the backup has table %q, which this schema does not", t)
		}
		if _, err := os.Stat(files[t]); err != nil {
			return fmt.Errorf("duckdb: import %s: %w", t, err)
		}
		q := fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM read_parquet(%s)", quoteIdent(t), quoteString(files[t]))
		if t == "events" {
			// The parallel scan loses the file's order; written sorted, the
			// table compresses as after Compact (1M events: 40.1 MB, against
			// 45.1 MB unsorted).
			q += " ORDER BY site_id, ts"
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: import %s: %w", t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("duckdb: import: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("duckdb: import: checkpoint: %w", err)
	}
	return nil
}

// SchemaVersion returns the database's migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("duckdb: schema version: %w", err)
	}
	return v, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// dataTables lists the base tables of the main schema that hold data.
func dataTables(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
		ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("duckdb: list tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("duckdb: list tables: %w", err)
		}
		if !slices.Contains(bookkeeping, t) {
			out = append(out, t)
		}
	}
	return out, rows.Err()
}

func quoteIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Probe opens the database file at path and closes it again, without
// migrating: it fails if another process holds the file (DuckDB's lock),
// and with an error wrapping fs.ErrNotExist if there is no file.
func Probe(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	connector, err := ddb.NewConnector(path, nil)
	if err != nil {
		return fmt.Errorf("duckdb: open %q: %w", path, err)
	}
	db := sql.OpenDB(connector)
	return errors.Join(db.PingContext(ctx), db.Close())
}

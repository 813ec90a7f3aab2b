// Package sqlite is the embedded app-data backend: store.App on one SQLite
// file in the data directory (or in memory, for tests).
//
// SQLite allows one writer at a time, so a Store holds two pools: a single
// writer connection that every write goes through, and a pool of read-only
// connections that, thanks to WAL, read concurrently with the writer. In
// process, writes queue for the writer connection instead of failing with
// SQLITE_BUSY; between processes (the server and a CLI command) the busy
// timeout and BEGIN IMMEDIATE transactions serialise them.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/footfallhq/footfall/store"
)

// writeParams configures the writer connection. WAL lets readers proceed
// while it writes; NORMAL synchronous is durable across process crashes in
// WAL mode (only an OS crash can lose the last commits); _txlock=immediate
// takes the write lock at BEGIN, so a transaction never fails half-way with
// SQLITE_BUSY when it upgrades from reading to writing.
const writeParams = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// readParams configures the read pool. query_only rather than mode=ro: a
// read-only open cannot create the WAL index (-shm) or recover a WAL left
// by a crash, while query_only only forbids writing through the connection.
// journal_mode is persistent in the file, set by the writer, and
// transactions stay deferred so readers never take the write lock.
const readParams = "_pragma=busy_timeout(5000)&_pragma=query_only(1)"

// Store is the SQLite implementation of store.App. It is safe for
// concurrent use.
type Store struct {
	write *sql.DB // one connection: SQLite has one writer
	read  *sql.DB // query_only connections; the same as write in memory
	path  string  // "" in memory
}

var _ store.App = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path. An empty path
// or ":memory:" opens a private in-memory database, for tests; it lives on
// a single connection shared by reads and writes, because every connection
// to ":memory:" would otherwise see its own empty database.
//
// Open does not migrate: call Migrate before use. The parent directory of
// path must exist.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" {
		return openMemory(ctx)
	}
	// The driver splits the DSN at the first '?', so a path containing one
	// would open the wrong file.
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: open %q: path must not contain '?'", path)
	}

	if err := createPrivate(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	write, err := openDB(ctx, path+"?"+writeParams, 1)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	// The writer is opened and pinged first so the file exists and is in WAL
	// mode before any reader connects.
	read, err := openDB(ctx, path+"?"+readParams, readConns())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %q for reading: %w", path, err)
	}
	return &Store{write: write, read: read, path: path}, nil
}

// createPrivate creates an empty file readable by its owner only. SQLite
// would create the database with the umask's permissions (often world
// readable), and it gives the -wal and -shm files the database file's
// permissions; password and key hashes are nobody else's business.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

func openMemory(ctx context.Context) (*Store, error) {
	db, err := openDB(ctx, ":memory:?"+writeParams, 1)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open in-memory database: %w", err)
	}
	// The database dies with its only connection: never let the pool
	// retire it.
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	return &Store{write: db, read: db}, nil
}

func openDB(ctx context.Context, dsn string, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	// Keep every connection: opening one costs a file open and the pragmas.
	db.SetMaxIdleConns(conns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// readConns sizes the read pool: enough for the dashboard's concurrent
// lookups without holding many idle file handles on a small VPS.
func readConns() int {
	return max(4, runtime.GOMAXPROCS(0))
}

// Ping reports whether both pools can reach the database.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping read pool: %w", err)
	}
	return nil
}

// Close closes both pools. Readers go first so the writer, closing last,
// can checkpoint the WAL into the main file.
func (s *Store) Close() error {
	var errRead error
	if s.read != s.write {
		errRead = s.read.Close()
	}
	if err := errors.Join(errRead, s.write.Close()); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Backup writes a consistent, compacted copy of the database to destPath
// with VACUUM INTO. destPath must not exist (fs.ErrExist otherwise); it is
// created readable by its owner only and synced before Backup returns. The
// copy is read from one snapshot, outside the writer connection, so writes
// continue while it runs. On failure no file is left behind.
func (s *Store) Backup(ctx context.Context, destPath string) (err error) {
	// VACUUM INTO accepts an existing empty file, so creating it first both
	// claims the name atomically and sets its permissions.
	if err := createPrivate(destPath); err != nil {
		return fmt.Errorf("sqlite: backup to %q: %w", destPath, err)
	}
	defer func() {
		if err != nil {
			os.Remove(destPath)
		}
	}()
	if err := s.vacuumInto(ctx, destPath); err != nil {
		return fmt.Errorf("sqlite: backup to %q: %w", destPath, err)
	}
	// VACUUM INTO does not fsync its output; a backup that a power cut can
	// truncate is not a backup.
	f, err := os.Open(destPath)
	if err != nil {
		return fmt.Errorf("sqlite: backup to %q: %w", destPath, err)
	}
	errSync := f.Sync()
	if err := errors.Join(errSync, f.Close()); err != nil {
		return fmt.Errorf("sqlite: backup to %q: sync: %w", destPath, err)
	}
	return nil
}

// vacuumInto runs VACUUM INTO on a connection of its own. The read pool
// cannot run it (query_only forbids writing even to another file), and the
// writer would make every write wait for the whole copy.
func (s *Store) vacuumInto(ctx context.Context, destPath string) error {
	if s.path == "" {
		// In memory the one connection is the only way to the data.
		_, err := s.write.ExecContext(ctx, "VACUUM INTO ?", destPath)
		return err
	}
	db, err := openDB(ctx, s.path+"?_pragma=busy_timeout(5000)", 1)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", destPath)
	return errors.Join(err, db.Close())
}

// translate maps driver errors to the store's error values. Constraint
// errors replace the driver error (its text names tables and columns,
// which callers have no use for); anything else is kept for the log.
func translate(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return store.ErrConflict
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			// Only inserts can violate a foreign key here (deletes cascade
			// or set NULL): the row they point at is missing.
			return fmt.Errorf("referenced row %w", store.ErrNotFound)
		}
	}
	return err
}

// mustAffect turns an UPDATE or DELETE that matched nothing into
// ErrNotFound.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// queryAll runs a query on the read pool and scans every row. It returns
// an empty, non-nil slice when there are no rows, so callers that encode
// JSON print [] rather than null.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
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
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromNullMillis maps NULL back to the zero time.
func fromNullMillis(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMillis(v.Int64)
}

// nullID stores id 0 ("none") as NULL, for optional references.
func nullID(id int64) sql.NullInt64 {
	return sql.NullInt64{Int64: id, Valid: id != 0}
}

// Package duckdb is the embedded events backend: one DuckDB file in the
// data directory holds the events table, written only through DuckDB's
// Appender in sorted batches and queried with SQL compiled from
// store.Query. It implements store.Events and store.SequencedAppender.
//
// DuckDB lets one process open a file; everything else (backup, export)
// must go through the process that holds it.
package duckdb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/footfallhq/footfall/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune the DuckDB instance. Zero values keep DuckDB's defaults,
// which suit a machine the database has to itself; a small VPS should set
// all three.
type Options struct {
	// MemoryLimit caps DuckDB's buffer memory, e.g. "512MB"; "" is DuckDB's
	// default of 80% of RAM. Work beyond it spills to TempDir.
	MemoryLimit string
	// Threads is the number of threads a query may use; 0 means one per core.
	Threads int
	// TempDir is where DuckDB spills; "" means the database path + ".tmp".
	TempDir string
}

// Store is the DuckDB events store. Its methods are safe for concurrent
// use: queries run in parallel, writes are serialised.
type Store struct {
	db   *sql.DB
	path string // "" when in memory

	// mu serialises writers. DuckDB would run concurrent appends, but every
	// AppendSeq updates the same queue_position row, and two transactions
	// updating it conflict and fail instead of waiting.
	mu sync.Mutex

	closeOnce sync.Once
	closeErr  error

	// beforeCommit, when set by a test, runs inside the write transaction
	// after the rows were appended; an error aborts the transaction.
	beforeCommit func() error
}

var (
	_ store.Events            = (*Store)(nil)
	_ store.SequencedAppender = (*Store)(nil)
)

// Open opens the DuckDB database at path, creating it if needed, and
// applies pending schema migrations. A path of "" or ":memory:" opens a
// private in-memory database, for tests. Open never installs or loads
// extensions at run time; the ones it needs are linked in. It fails if
// another process holds the file.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == ":memory:" {
		path = ""
	}
	if strings.Contains(path, "?") {
		// The driver reads settings from what follows a "?" in the path.
		return nil, fmt.Errorf("duckdb: open %q: the path must not contain '?'", path)
	}
	cfg := url.Values{}
	// Insertion order is time order already, per batch; keeping it across
	// parallel scans would only cost memory.
	cfg.Set("preserve_insertion_order", "false")
	// An appliance must work offline: never fetch extensions.
	cfg.Set("autoinstall_known_extensions", "false")
	cfg.Set("autoload_known_extensions", "false")
	// DuckDB's allocator keeps freed memory for reuse; on a small VPS the
	// process should give it back instead of holding its peak forever:
	// background threads return it once unused for a while. Flushing
	// after every task that peaked above a few MB (8 MB was tried) made
	// each query fault its hash tables in again: about half the CPU of a
	// dashboard view went to page faults, madvise and TLB flushes
	// (perf, docs/PERFORMANCE.md), so the flush threshold is DuckDB's
	// default.
	cfg.Set("allocator_flush_threshold", "128MB")
	cfg.Set("allocator_background_threads", "true")
	if opts.MemoryLimit != "" {
		cfg.Set("memory_limit", opts.MemoryLimit)
	}
	if opts.Threads > 0 {
		cfg.Set("threads", strconv.Itoa(opts.Threads))
	}
	if opts.TempDir != "" {
		cfg.Set("temp_directory", opts.TempDir)
	}
	connector, err := ddb.NewConnector(path+"?"+cfg.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb: open %q: %w", path, err)
	}
	s := &Store{db: sql.OpenDB(connector), path: path}
	if err := migrate(ctx, s.db, migrations); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// Close closes the database, checkpointing a file database so that the
// next Open starts without replaying a log. Closing twice returns the
// first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("duckdb: close: %w", err)
		}
	})
	return s.closeErr
}

// Ping reports whether the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("duckdb: ping: %w", err)
	}
	return nil
}

// Checkpoint writes everything in the write-ahead log into the database
// file, compressed. DuckDB does this by itself when the log grows past
// 16 MB; call it before measuring Size or copying the file.
func (s *Store) Checkpoint(ctx context.Context) error {
	// Holding mu keeps appends, whose open transactions would make the
	// checkpoint fail, out of the way.
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("duckdb: checkpoint: %w", err)
	}
	return nil
}

// Size returns the bytes the database occupies on disk: the database file
// plus its write-ahead log. It is 0 for an in-memory database.
// The context is unused: the figure comes from the file system.
func (s *Store) Size(context.Context) (int64, error) {
	if s.path == "" {
		return 0, nil
	}
	var total int64
	for _, p := range []string{s.path, s.path + ".wal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("duckdb: size: %w", err)
		}
		total += fi.Size()
	}
	return total, nil
}

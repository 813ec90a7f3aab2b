// Package open picks storage backends from configuration URLs. It is the
// only package that imports every driver, so the rest of the program
// depends on the contracts in store, not on engines.
package open

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/clickhouse"
	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/postgres"
	"github.com/footfallhq/footfall/store/sqlite"
	"github.com/footfallhq/footfall/store/wal"
)

// EventsOptions tunes the embedded events engine.
type EventsOptions struct {
	MemoryLimit string
	Threads     int
}

// Events opens the events store named by rawURL: duckdb://PATH, or
// clickhouse://[user:password@]host:9000/database[?options] (the native
// protocol; the database is created if missing).
func Events(ctx context.Context, rawURL string, o EventsOptions) (store.Events, error) {
	scheme, path, err := split(rawURL)
	if err != nil {
		return nil, err
	}
	switch scheme {
	case "duckdb":
		if err := mkdirFor(path); err != nil {
			return nil, err
		}
		s, err := duckdb.Open(ctx, path, duckdb.Options{MemoryLimit: o.MemoryLimit, Threads: o.Threads})
		if err != nil {
			return nil, explainLock(path, err)
		}
		return s, nil
	case "clickhouse":
		s, err := clickhouse.Open(ctx, rawURL)
		if err != nil {
			return nil, fmt.Errorf("events store %s: %w", redact(rawURL), err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("events store %s: unknown scheme %q (use duckdb:// or clickhouse://)", redact(rawURL), scheme)
}

// App opens the app-data store named by rawURL: sqlite://PATH or
// postgres://user:pass@host:5432/db (postgresql:// too). It does not
// migrate: call Migrate.
func App(ctx context.Context, rawURL string) (store.App, error) {
	scheme, path, err := split(rawURL)
	if err != nil {
		return nil, err
	}
	switch scheme {
	case "sqlite":
		if err := mkdirFor(path); err != nil {
			return nil, err
		}
		return sqlite.Open(ctx, path)
	case "postgres", "postgresql":
		s, err := postgres.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("app database %s: %w", redact(rawURL), err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("app database %s: unknown scheme %q (use sqlite:// or postgres://)", redact(rawURL), scheme)
}

// QueueOptions sizes the durable queue.
type QueueOptions struct {
	MaxEvents    int
	MinFreeBytes int64
	// StoredThrough is the events store's last queue position
	// (store.SequencedAppender.LastSeq): replay skips what it already has.
	StoredThrough uint64
	Logger        *slog.Logger
	// Consumer names this replica in the Redis consumer group (default:
	// the host name); unused by the WAL.
	Consumer string
	// ClaimIdle is how long a dead replica's events wait in the Redis
	// stream before another replica takes them over (default a minute);
	// unused by the WAL.
	ClaimIdle time.Duration
}

// Queue opens the embedded durable ingest queue: a WAL in dir. With
// FOOTFALL_REDIS_URL set the queue is a Redis stream instead: see
// Shared.Queue.
func Queue(dir string, o QueueOptions) (*wal.WAL, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	q, err := wal.Open(dir, wal.Options{
		MaxPending: o.MaxEvents, MinFreeBytes: o.MinFreeBytes,
		AckedThrough: o.StoredThrough, Logger: o.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return q, nil
}

func split(rawURL string) (scheme, path string, err error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return "", "", fmt.Errorf("%q is not a URL like duckdb://./data/events.duckdb", redact(rawURL))
	}
	scheme = strings.ToLower(scheme)
	if scheme == "duckdb" || scheme == "sqlite" {
		// File URLs keep their path verbatim: duckdb://./data/x and
		// duckdb:///abs/x both work, as people write them.
		return scheme, rest, nil
	}
	return scheme, rawURL, nil
}

func mkdirFor(path string) error {
	if path == "" || path == ":memory:" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	return nil
}

var lockPID = regexp.MustCompile(`PID (\d+)`)

// explainLock turns DuckDB's file-lock error into advice: only one process
// may open the events database, and it is usually the running server.
func explainLock(path string, err error) error {
	msg := err.Error()
	if !strings.Contains(msg, "lock") {
		return err
	}
	who := "another process"
	if m := lockPID.FindStringSubmatch(msg); m != nil {
		who = "process " + m[1]
	}
	return fmt.Errorf("the events database %s is in use by %s (a running footfall server?): stop it first, or run this command through the server", path, who)
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// CompactEvents rewrites an embedded events database compactly (see
// duckdb.Compact); it needs the file to itself. It returns the sizes before
// and after.
func CompactEvents(ctx context.Context, rawURL string, o EventsOptions) (before, after int64, err error) {
	scheme, path, err := split(rawURL)
	if err != nil {
		return 0, 0, err
	}
	if scheme != "duckdb" {
		return 0, 0, fmt.Errorf("events store %s: only duckdb:// databases are compacted (ClickHouse merges parts by itself)", redact(rawURL))
	}
	before, after, err = duckdb.Compact(ctx, path, duckdb.Options{MemoryLimit: o.MemoryLimit, Threads: o.Threads})
	if err != nil {
		return 0, 0, explainLock(path, err)
	}
	return before, after, nil
}

// Package clickhouse is the SaaS events backend: the events table in a
// ClickHouse server, written in batches over the native protocol with
// explicit column lists, and queried with SQL compiled from store.Query.
// It implements store.Events and store.EventDeleter.
//
// The SQL is written in the subset that both Debian's ClickHouse 18.16 and
// current releases accept (DESIGN §7): no WITH subqueries, one JOIN per
// SELECT with both sides aliased apart, no window functions, no Map, no
// DateTime64, no lightweight DELETE. Features newer servers add are used
// only when the server reports a version that has them (see Store.Version).
//
// It does not implement store.SequencedAppender: its events come from a
// Redis stream read by several replicas, whose progress one position
// cannot describe (see store/redis).
package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/footfallhq/footfall/store"
)

// Version is a ClickHouse server version.
type Version struct{ Major, Minor, Patch uint64 }

// AtLeast reports whether v is major.minor or later.
func (v Version) AtLeast(major, minor uint64) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Store is the ClickHouse events store. Its methods are safe for
// concurrent use.
type Store struct {
	conn     driver.Conn
	database string
	version  Version
	dedup    bool // inserts carry a deduplication token (see AppendAt)

	closeOnce sync.Once
	closeErr  error
}

var (
	_ store.Events             = (*Store)(nil)
	_ store.EventDeleter       = (*Store)(nil)
	_ store.PositionedAppender = (*Store)(nil)
)

// Open connects to the server named by rawURL,
// clickhouse://[user:password@]host:9000/database[?dial_timeout=5s&…]
// (clickhouse-go's DSN options), creates the database if it is missing and
// applies pending schema migrations. The native protocol is required: the
// HTTP interface of old servers does not work with the driver.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "clickhouse" || u.Host == "" {
		return nil, fmt.Errorf("clickhouse: %q is not a URL like clickhouse://host:9000/footfall", redact(rawURL))
	}
	opts, err := ch.ParseDSN(rawURL)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: parse URL %s: %w", redact(rawURL), err)
	}
	database := opts.Auth.Database
	if database == "" {
		database = "default"
	}
	if !validIdent(database) {
		return nil, fmt.Errorf("clickhouse: database name %q: use letters, digits and _ only", database)
	}
	if opts.DialTimeout == 0 || opts.DialTimeout == 30*time.Second {
		opts.DialTimeout = 5 * time.Second
	}
	if err := createDatabase(ctx, *opts, database); err != nil {
		return nil, fmt.Errorf("clickhouse: %s: %w", redact(rawURL), err)
	}
	opts.Auth.Database = database
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: connect to %s: %w", redact(rawURL), err)
	}
	s := &Store{conn: conn, database: database}
	sv, err := conn.ServerVersion()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("clickhouse: connect to %s: %w", redact(rawURL), err), conn.Close())
	}
	s.version = Version{sv.Version.Major, sv.Version.Minor, sv.Version.Patch}
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("clickhouse: %s: %w", redact(rawURL), err), conn.Close())
	}
	if s.dedup, err = s.ensureDedup(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("clickhouse: %s: %w", redact(rawURL), err), conn.Close())
	}
	return s, nil
}

// createDatabase creates the database on a connection of its own, opened
// without one: a connection naming a missing database is refused.
func createDatabase(ctx context.Context, opts ch.Options, database string) error {
	opts.Auth.Database = ""
	opts.MaxOpenConns, opts.MaxIdleConns = 1, 1
	conn, err := ch.Open(&opts)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+database); err != nil {
		return fmt.Errorf("create database %s: %w", database, err)
	}
	return nil
}

// Version returns the server's version, as it reported it on connecting.
func (s *Store) Version() Version { return s.version }

// Deduplicates reports whether the server drops a batch sent again by
// AppendAt (ClickHouse 22.2 and later), rather than storing it twice.
func (s *Store) Deduplicates() bool { return s.dedup }

// Database returns the name of the database holding the tables.
func (s *Store) Database() string { return s.database }

// Close closes the connections. Closing twice returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if err := s.conn.Close(); err != nil {
			s.closeErr = fmt.Errorf("clickhouse: close: %w", err)
		}
	})
	return s.closeErr
}

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return fmt.Errorf("clickhouse: ping: %w", unavailable(err))
	}
	return nil
}

func validIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	s := u.Redacted()
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
		s = u.Redacted()
	}
	return strings.TrimSpace(s)
}

// unavailable marks err with store.ErrUnavailable when it says the server
// could not be reached or the connection broke, rather than that the SQL
// was wrong: callers answer 503 and retry, not 500.
func unavailable(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	var netErr net.Error
	var exc *ch.Exception
	switch {
	case errors.As(err, &exc):
		return err // the server answered: a real error
	case errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, ch.ErrAcquireConnTimeout):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

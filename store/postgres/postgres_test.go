package postgres

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/postgres/pgtest"
	"github.com/footfallhq/footfall/store/storetest"
)

// testURL returns FOOTFALL_TEST_POSTGRES_URL or skips (fails under CI).
func testURL(t testing.TB) string { return pgtest.BaseURL(t) }

// testConfig returns a pool configuration whose connections work in a
// schema of the test's own.
func testConfig(t testing.TB) *pgxpool.Config {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.URL(t))
	if err != nil {
		t.Fatalf("parse FOOTFALL_TEST_POSTGRES_URL: %v", err)
	}
	cfg.MaxConns = 8
	return cfg
}

// openTest opens a store in a fresh schema, closed when the test ends.
func openTest(t testing.TB, migrate bool) *Store {
	t.Helper()
	s, err := OpenConfig(t.Context(), testConfig(t))
	if err != nil {
		t.Fatalf("OpenConfig: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if migrate {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	return s
}

func TestApp(t *testing.T) {
	testURL(t)
	storetest.RunApp(t, func(t testing.TB) store.App { return openTest(t, true) })
}

// TestMigrationsMatchSQLite keeps the two backends' migrations numbered
// and named alike, as DESIGN.md promises.
func TestMigrationsMatchSQLite(t *testing.T) {
	ours, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := os.ReadDir("../sqlite/migrations")
	if err != nil {
		t.Fatal(err)
	}
	var a, b []string
	for _, e := range ours {
		a = append(a, e.Name())
	}
	for _, e := range theirs {
		b = append(b, e.Name())
	}
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("PostgreSQL migrations %v, SQLite migrations %v: number and name them alike", a, b)
	}
}

func TestMigrateRecordsVersions(t *testing.T) {
	s := openTest(t, true)
	rows, err := s.pool.Query(t.Context(), "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := loadMigrations(sub)
	if err != nil {
		t.Fatal(err)
	}
	var want []int // every embedded migration: numbers land in any order
	for _, m := range shipped {
		want = append(want, m.version)
	}
	if !slices.Equal(got, want) {
		t.Errorf("schema_migrations versions = %v, want %v", got, want)
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	s := openTest(t, true)
	if _, err := s.pool.Exec(t.Context(), "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)"); err != nil {
		t.Fatal(err)
	}
	err := s.Migrate(t.Context())
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("Migrate on a version-99 database: %v, want a refusal", err)
	}
}

// TestMigrateFailureRollsBack checks a failing migration leaves neither
// its tables nor its version behind, and releases the lock.
func TestMigrateFailureRollsBack(t *testing.T) {
	s := openTest(t, false)
	fsys := fstest.MapFS{
		"0001_ok.sql":  {Data: []byte("CREATE TABLE a (x INT)")},
		"0002_bad.sql": {Data: []byte("CREATE TABLE b (x INT); SELECT no_such_column FROM a")},
	}
	if err := s.migrate(t.Context(), fsys); err == nil {
		t.Fatal("migrate with a broken 0002 succeeded")
	}
	var n int
	if err := s.pool.QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != 1 {
		t.Errorf("schema_migrations rows = %d, %v; want 1 (0001 only)", n, err)
	}
	if err := s.pool.QueryRow(t.Context(), "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'b'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table b exists (%d, %v) after its migration failed", n, err)
	}
	// The lock is free again: a second run gets past it and fails the same way.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.migrate(ctx, fsys); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second migrate: %v, want the migration's own error", err)
	}
}

// TestMigrateWaitsForLock proves the advisory lock is taken: while another
// session holds it, Migrate waits.
func TestMigrateWaitsForLock(t *testing.T) {
	s := openTest(t, false)
	conn, err := s.pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(t.Context(), "SELECT pg_advisory_lock(hashtextextended($1 || current_schema(), 0))", migrateLockKey); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := s.Migrate(ctx); err == nil {
		t.Fatal("Migrate succeeded while another session held the migration lock")
	}
	if _, err := conn.Exec(t.Context(), "SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))", migrateLockKey); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Errorf("Migrate after the lock was released: %v", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := Open(t.Context(), "postgres://user:hunter2@[::1")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open(bad URL) = %v, want an error without the password", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://footfall:hunter2@127.0.0.1:1/footfall?sslmode=disable&connect_timeout=2")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open(closed port) = %v, want an error without the password", err)
	}
}

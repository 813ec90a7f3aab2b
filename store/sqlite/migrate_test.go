package sqlite

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// openRaw opens an unmigrated store.
func openRaw(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// shipped lists the versions of the embedded migrations: several people
// add migrations at once, and their numbers land in any order.
func shipped(t *testing.T) []int {
	t.Helper()
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(sub)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, m := range ms {
		out = append(out, m.version)
	}
	return out
}

// versions lists the recorded migrations.
func versions(t *testing.T, s *Store) []int {
	t.Helper()
	v, err := queryAll(t.Context(), s.write, func(r scanner) (int, error) {
		var v int
		return v, r.Scan(&v)
	}, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return v
}

func TestMigrateRecordsVersions(t *testing.T) {
	s := openRaw(t, "")
	for range 2 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	if diff := cmp.Diff(shipped(t), versions(t, s)); diff != "" {
		t.Errorf("schema_migrations versions (-want +got):\n%s", diff)
	}
	for _, table := range []string{"users", "sites", "api_keys", "salts", "counters", "goals", "funnels", "sessions", "recovery_codes"} {
		var n int
		if err := s.write.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("table %s after Migrate: %v", table, err)
		}
	}
}

func TestMigrateOrderAndRollback(t *testing.T) {
	s := openRaw(t, "")
	ctx := t.Context()
	fsys := fstest.MapFS{
		// Out of name order on purpose: 10 sorts after 2 by number only.
		"0010_c.sql": {Data: []byte("INSERT INTO t VALUES (10);")},
		"0002_b.sql": {Data: []byte("INSERT INTO t VALUES (2);")},
		"0001_a.sql": {Data: []byte("CREATE TABLE t (v INTEGER);")},
	}
	if err := s.migrate(ctx, fsys); err != nil {
		t.Fatalf("migrate: %v", err)
	}

	// A failing migration leaves neither its changes nor its record.
	fsys["0011_bad.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO t VALUES (11); SELECT * FROM no_such_table;")}
	if err := s.migrate(ctx, fsys); err == nil || !strings.Contains(err.Error(), "0011_bad.sql") {
		t.Errorf("migrate with a failing migration: err = %v, want one naming 0011_bad.sql", err)
	}
	got, err := queryAll(ctx, s.write, func(r scanner) (int, error) {
		var v int
		return v, r.Scan(&v)
	}, "SELECT v FROM t ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2, 10}, got); diff != "" {
		t.Errorf("rows after migrations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 2, 10}, versions(t, s)); diff != "" {
		t.Errorf("recorded versions (-want +got):\n%s", diff)
	}

	// Fixed, it applies.
	fsys["0011_bad.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO t VALUES (11);")}
	if err := s.migrate(ctx, fsys); err != nil {
		t.Fatalf("migrate after the fix: %v", err)
	}
	if diff := cmp.Diff([]int{1, 2, 10, 11}, versions(t, s)); diff != "" {
		t.Errorf("recorded versions (-want +got):\n%s", diff)
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	s := openRaw(t, "")
	ctx := t.Context()
	newer := fstest.MapFS{
		"0001_a.sql": {Data: []byte("CREATE TABLE a (v INTEGER);")},
		"0002_b.sql": {Data: []byte("CREATE TABLE b (v INTEGER);")},
	}
	if err := s.migrate(ctx, newer); err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{"0001_a.sql": newer["0001_a.sql"]}
	if err := s.migrate(ctx, older); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("migrate with fewer migrations than applied: err = %v, want a 'newer' error", err)
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	for _, name := range []string{"init.sql", "0001_init.txt", "x001_init.sql", "0000_zero.sql"} {
		_, err := loadMigrations(fstest.MapFS{name: {Data: []byte("SELECT 1;")}})
		if err == nil {
			t.Errorf("loadMigrations(%s) succeeded, want an error", name)
		}
	}
	_, err := loadMigrations(fstest.MapFS{
		"0001_a.sql": {Data: []byte("SELECT 1;")},
		"1_b.sql":    {Data: []byte("SELECT 1;")},
	})
	if err == nil {
		t.Errorf("loadMigrations(two files with version 1) succeeded, want an error")
	}
}

// TestMigrateFromTwoStores stands in for two processes starting at once on
// one file: both succeed and each migration is applied once.
func TestMigrateFromTwoStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	a, b := openRaw(t, path), openRaw(t, path)
	errs := make(chan error, 2)
	for _, s := range []*Store{a, b} {
		go func() { errs <- s.Migrate(t.Context()) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Migrate: %v", err)
		}
	}
	if diff := cmp.Diff(shipped(t), versions(t, a)); diff != "" {
		t.Errorf("recorded versions (-want +got):\n%s", diff)
	}
}

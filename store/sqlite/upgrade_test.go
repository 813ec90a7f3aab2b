package sqlite

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/footfallhq/footfall/store"
)

// TestUpgradeFromFirstSchema makes a database file with the first
// migration only (the first release's schema), stores a site in it, and
// expects a plain Open + Migrate to bring it to the current version with
// the site intact, and Inspect to see the result without changing it.
func TestUpgradeFromFirstSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "app.db")
	all, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	list, err := loadMigrations(all)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 2 {
		t.Skip("only one migration: nothing to upgrade from yet")
	}
	first := fstest.MapFS{list[0].name: {Data: []byte(list[0].sql)}}
	old := openRaw(t, path)
	if err := old.migrate(ctx, first); err != nil {
		t.Fatal(err)
	}
	// Raw SQL: the store's own methods write today's columns.
	res, err := old.write.ExecContext(ctx, "INSERT INTO sites (domain, timezone, created_at) VALUES ('old.example', 'Europe/Berlin', 1700000000000)")
	if err != nil {
		t.Fatal(err)
	}
	site := store.Site{}
	if site.ID, err = res.LastInsertId(); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	info, err := Inspect(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != list[0].version || info.Rows["sites"] != 1 {
		t.Errorf("Inspect before the upgrade = version %d, %d sites; want %d, 1", info.SchemaVersion, info.Rows["sites"], list[0].version)
	}

	s := openRaw(t, path)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from version %d: %v", list[0].version, err)
	}
	got, err := s.SiteByDomain(ctx, "old.example")
	if err != nil || got.ID != site.ID || got.TimeZone != "Europe/Berlin" {
		t.Errorf("SiteByDomain after the upgrade = %+v, %v; want the site as stored", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	info, err = Inspect(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if want := list[len(list)-1].version; info.SchemaVersion != want {
		t.Errorf("Inspect after the upgrade: version %d, want %d", info.SchemaVersion, want)
	}
}

// TestOpenRefusesNewerFile: a file migrated by a newer binary (a version
// this one has no migration for) makes Migrate fail with advice.
func TestOpenRefusesNewerFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "app.db")
	s := openRaw(t, path)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openRaw(t, path)
	err := s.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") || !strings.Contains(err.Error(), "upgrade footfall") {
		t.Errorf("Migrate of a database from a newer binary = %v, want a refusal saying to upgrade", err)
	}
}

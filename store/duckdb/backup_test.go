package duckdb

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

// TestExportImportRoundTrip exports while appends continue, imports into a
// fresh database and expects the snapshot's counts, the same query answers
// and every column intact.
func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := openTest(t, filepath.Join(t.TempDir(), "events.duckdb"))
	events := storetest.Dataset(3, 12000, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), 10)
	half := len(events) / 2
	if err := src.AppendSeq(ctx, events[:half], 1); err != nil {
		t.Fatal(err)
	}

	// Appends running during the export must not tear the snapshot.
	stop := make(chan struct{})
	appended := make(chan error, 1)
	go func() {
		seq := uint64(1)
		for i := half; i < len(events); i += 500 {
			select {
			case <-stop:
				appended <- nil
				return
			default:
			}
			seq++
			if err := src.AppendSeq(ctx, events[i:min(i+500, len(events))], seq); err != nil {
				appended <- err
				return
			}
		}
		appended <- nil
	}()
	dir := t.TempDir()
	snap, err := src.Export(ctx, dir)
	close(stop)
	if err := <-appended; err != nil {
		t.Fatalf("AppendSeq during Export: %v", err)
	}
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	var total int64
	for _, n := range snap.EventsPerSite {
		total += n
	}
	if total != snap.Rows["events"] || total < int64(half) {
		t.Fatalf("Export: per-site counts sum to %d, events rows %d, want equal and ≥ %d", total, snap.Rows["events"], half)
	}

	dst := openTest(t, filepath.Join(t.TempDir(), "restored.duckdb"))
	files := map[string]string{}
	for table, name := range snap.Files {
		files[table] = filepath.Join(dir, name)
	}
	if err := dst.Import(ctx, files); err != nil {
		t.Fatalf("Import: %v", err)
	}
	for site, want := range snap.EventsPerSite {
		got, err := dst.Count(ctx, site, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Count(site %d) after Import = %d, want %d", site, got, want)
		}
	}
	// Every column, every row: the restored table equals the snapshot.
	var diff int64
	q := "SELECT count(*) FROM (SELECT * FROM events EXCEPT ALL SELECT * FROM read_parquet(" + quoteString(files["events"]) + "))"
	if err := dst.db.QueryRowContext(ctx, q).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Errorf("%d restored rows differ from the exported ones", diff)
	}
	if err := dst.Import(ctx, files); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("second Import = %v, want a refusal: the database is not empty", err)
	}
}

// TestImportAnswersLikeTheOriginal checks a stats query, not only counts.
func TestImportAnswersLikeTheOriginal(t *testing.T) {
	ctx := context.Background()
	src := openTest(t, "")
	events := storetest.Dataset(5, 5000, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), 10)
	if err := src.Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	snap, err := src.Export(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	dst := openTest(t, "")
	files := map[string]string{}
	for table, name := range snap.Files {
		files[table] = filepath.Join(dir, name)
	}
	if err := dst.Import(ctx, files); err != nil {
		t.Fatal(err)
	}
	q := store.Query{SiteID: events[0].SiteID, From: time.Unix(0, 0), To: time.Now(),
		Metrics: []string{"visitors", "visits", "pageviews", "events"}, Dimensions: []string{"event:page"}}
	want, err := src.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dst.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Query after Import differs (-original +restored):\n%s", diff)
	}
}

func migrationsUpTo(t *testing.T, version int) fstest.MapFS {
	t.Helper()
	steps, err := migrationSteps(migrations)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, st := range steps {
		if st.version > version {
			break
		}
		b, err := fs.ReadFile(migrations, st.name)
		if err != nil {
			t.Fatal(err)
		}
		out[st.name] = &fstest.MapFile{Data: b}
	}
	return out
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestUpgradeFromFirstSchema makes a database with the first migration
// only, as the first release wrote it, stores an event, and expects Open
// to bring it to the current version with the event intact.
func TestUpgradeFromFirstSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.duckdb")
	db := rawDB(t, path)
	if err := migrate(ctx, db, migrationsUpTo(t, 1)); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()
	if _, err := db.ExecContext(ctx, `INSERT INTO events (ts, site_id, visitor_id, session_id, name, hostname, pathname,
		entry_page, referrer, source, channel, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
		country, region, city, browser, browser_version, os, os_version, device, screen)
		VALUES (?, 7, 1, 1, 'pageview', 'a.example', '/', '/', '', '', 'Direct', '', '', '', '', '', 'DE', '', '', 'Firefox', '140', 'Linux', '', 'desktop', 'desktop')`, ts); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTest(t, path)
	steps, err := migrationSteps(migrations)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := steps[len(steps)-1].version; v != want {
		t.Errorf("SchemaVersion after Open = %d, want %d", v, want)
	}
	n, err := s.Count(ctx, 7, time.Time{}, time.Time{})
	if err != nil || n != 1 {
		t.Errorf("Count(site 7) after upgrade = %d, %v; want 1", n, err)
	}
}

// TestOpenRefusesNewerSchema: a database migrated by a newer binary is
// left alone, with a message that says what to do.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.duckdb")
	s := openTest(t, path)
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO schema_version (version, name) VALUES (?, 'from_the_future.sql')", v+1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, Options{})
	if err == nil {
		t.Fatal("Open of a database from a newer binary succeeded")
	}
	for _, want := range []string{"newer than this binary", "upgrade footfall"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error %q does not say %q", err, want)
		}
	}
}

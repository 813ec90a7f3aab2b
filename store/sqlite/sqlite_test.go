package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

// openTest opens and migrates a store at path ("" for memory), closed when
// the test ends.
func openTest(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestApp(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		storetest.RunApp(t, func(t testing.TB) store.App { return openTest(t, ":memory:") })
	})
	t.Run("file", func(t *testing.T) {
		storetest.RunApp(t, func(t testing.TB) store.App {
			return openTest(t, filepath.Join(t.TempDir(), "app.db"))
		})
	})
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pragma reads one pragma's value on db as text.
func pragma(t *testing.T, q querier, name string) string {
	t.Helper()
	var v string
	if err := q.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestPragmas(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "app.db"))
	for _, tc := range []struct {
		pool       string
		db         querier
		name, want string
	}{
		{"write", s.write, "journal_mode", "wal"},
		{"write", s.write, "foreign_keys", "1"},
		{"write", s.write, "synchronous", "1"}, // NORMAL
		{"write", s.write, "busy_timeout", "5000"},
		{"write", s.write, "query_only", "0"},
		{"read", s.read, "journal_mode", "wal"},
		{"read", s.read, "busy_timeout", "5000"},
		{"read", s.read, "query_only", "1"},
	} {
		if got := pragma(t, tc.db, tc.name); got != tc.want {
			t.Errorf("%s pool: PRAGMA %s = %q, want %q", tc.pool, tc.name, got, tc.want)
		}
	}
	if s.read == s.write {
		t.Errorf("file store shares one pool for reads and writes")
	}
}

// TestReadsUseReadPool holds the only writer connection in a transaction:
// a read routed to the writer would wait for it and time out.
func TestReadsUseReadPool(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "app.db"))
	ctx := t.Context()
	u, err := s.CreateUser(ctx, store.User{Email: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := s.CreateSite(ctx, store.Site{Domain: "example.com", OwnerID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Hash: []byte("key")})
	if err != nil {
		t.Fatal(err)
	}

	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// An uncommitted write, which readers must not see.
	if _, err := tx.ExecContext(ctx, "UPDATE sites SET timezone = 'Asia/Tokyo'"); err != nil {
		t.Fatal(err)
	}

	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	reads := map[string]func() error{
		"SiteByID":     func() error { _, err := s.SiteByID(rctx, site.ID); return err },
		"SiteByDomain": func() error { _, err := s.SiteByDomain(rctx, site.Domain); return err },
		"ListSites":    func() error { _, err := s.ListSites(rctx); return err },
		"UserByID":     func() error { _, err := s.UserByID(rctx, u.ID); return err },
		"UserByEmail":  func() error { _, err := s.UserByEmail(rctx, u.Email); return err },
		"ListUsers":    func() error { _, err := s.ListUsers(rctx); return err },
		"APIKeyByHash": func() error { _, err := s.APIKeyByHash(rctx, k.Hash); return err },
		"ListAPIKeys":  func() error { _, err := s.ListAPIKeys(rctx, u.ID); return err },
		"Salts":        func() error { _, err := s.Salts(rctx); return err },
	}
	for name, read := range reads {
		if err := read(); err != nil {
			t.Errorf("%s while the writer is busy: %v", name, err)
		}
	}
	if got, err := s.SiteByID(rctx, site.ID); err != nil || got.TimeZone != "" {
		t.Errorf("SiteByID during an open write = %+v, %v; want the committed row", got, err)
	}

	// And the read pool cannot write, so no write can slip past the writer.
	if _, err := s.read.ExecContext(rctx, "DELETE FROM salts"); err == nil {
		t.Errorf("DELETE on the read pool succeeded, want a read-only error")
	}
}

func TestMemoryIsPrivate(t *testing.T) {
	a := openTest(t, "")
	b := openTest(t, ":memory:")
	if _, err := a.CreateSite(t.Context(), store.Site{Domain: "example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SiteByDomain(t.Context(), "example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second in-memory store sees the first one's site: err = %v", err)
	}
}

func TestOpenRejectsQuestionMark(t *testing.T) {
	if s, err := Open(t.Context(), filepath.Join(t.TempDir(), "app.db?mode=ro")); err == nil {
		s.Close()
		t.Errorf("Open(path with '?') succeeded, want an error")
	}
}

func TestMissingReferenceIsNotFound(t *testing.T) {
	s := openTest(t, "")
	_, err := s.CreateSite(t.Context(), store.Site{Domain: "example.com", OwnerID: 42})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateSite(owner 42, no such user): err = %v, want ErrNotFound", err)
	}
	_, err = s.CreateAPIKey(t.Context(), store.APIKey{UserID: 42, Hash: []byte("k")})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateAPIKey(user 42, no such user): err = %v, want ErrNotFound", err)
	}
}

// TestForeignKeyActions checks the schema's ON DELETE actions, which need
// foreign_keys on in the writer connection. The contract has no DeleteUser
// yet, so the user is deleted with SQL.
func TestForeignKeyActions(t *testing.T) {
	s := openTest(t, "")
	ctx := t.Context()
	u, err := s.CreateUser(ctx, store.User{Email: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := s.CreateSite(ctx, store.Site{Domain: "example.com", OwnerID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Hash: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, "DELETE FROM users WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SiteByID(ctx, site.ID); err != nil || got.OwnerID != 0 {
		t.Errorf("SiteByID after its owner's deletion = %+v, %v; want OwnerID 0", got, err)
	}
	if _, err := s.APIKeyByHash(ctx, k.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("APIKeyByHash after its user's deletion: err = %v, want ErrNotFound", err)
	}
}

// TestIDsNotReused: a deleted site's events outlive it until retention, so
// a new site must never get its ID.
func TestIDsNotReused(t *testing.T) {
	s := openTest(t, "")
	ctx := t.Context()
	first, err := s.CreateSite(ctx, store.Site{Domain: "a.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSite(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	second, err := s.CreateSite(ctx, store.Site{Domain: "b.example"})
	if err != nil {
		t.Fatal(err)
	}
	if second.ID <= first.ID {
		t.Errorf("site created after deleting site %d got ID %d, want a new, larger ID", first.ID, second.ID)
	}
}

// TestTwoStoresOneFile stands in for two processes (the server and a CLI
// command) writing at once: the busy timeout and BEGIN IMMEDIATE must
// serialise them without SQLITE_BUSY.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	stores := []*Store{openTest(t, path), openTest(t, path)}
	ctx := t.Context()
	const perStore = 8
	errs := make(chan error, 2*perStore*2)
	done := make(chan struct{})
	for si, s := range stores {
		for i := range perStore {
			go func() {
				defer func() { done <- struct{}{} }()
				if _, err := s.CreateUser(ctx, store.User{Email: fmt.Sprintf("u%d-%d@example.com", si, i)}); err != nil {
					errs <- err
				}
				if _, err := s.PutSalt(ctx, store.Salt{Day: "2025-03-14", Value: []byte{byte(si), byte(i)}}); err != nil {
					errs <- err
				}
			}()
		}
	}
	for range 2 * perStore {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Errorf("write from two stores: %v", err)
	}
	users, err := stores[1].ListUsers(ctx)
	if err != nil || len(users) != 2*perStore {
		t.Errorf("ListUsers() = %d users, %v; want %d", len(users), err, 2*perStore)
	}
}

// wantPrivate fails unless only the owner can read path.
func wantPrivate(t *testing.T, path string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return // no Unix permission bits
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("%s has mode %v, want no access for group and others", filepath.Base(path), perm)
	}
}

func TestFilesArePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	s := openTest(t, path)
	if _, err := s.CreateUser(t.Context(), store.User{Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		wantPrivate(t, p)
	}
}

func TestBackupFailureLeavesNoFile(t *testing.T) {
	s := openTest(t, "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, dest); err == nil {
		t.Fatalf("Backup with a cancelled context succeeded")
	}
	if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a failed Backup, Stat(dest): %v, want not exist", err)
	}
}

func TestBackup(t *testing.T) {
	for _, src := range []string{":memory:", "app.db"} {
		t.Run(src, func(t *testing.T) {
			dir := t.TempDir()
			if src != ":memory:" {
				src = filepath.Join(dir, src)
			}
			s := openTest(t, src)
			ctx := t.Context()
			site, err := s.CreateSite(ctx, store.Site{Domain: "example.com", TimeZone: "Europe/Berlin"})
			if err != nil {
				t.Fatal(err)
			}

			dest := filepath.Join(dir, "backup.db")
			if err := s.Backup(ctx, dest); err != nil {
				t.Fatalf("Backup(%q): %v", dest, err)
			}
			if err := s.Backup(ctx, dest); !errors.Is(err, os.ErrExist) {
				t.Errorf("Backup onto an existing file: err = %v, want os.ErrExist", err)
			}

			wantPrivate(t, dest)
			b := openTest(t, dest) // Migrate on the copy is a no-op
			got, err := b.SiteByDomain(ctx, "example.com")
			if err != nil {
				t.Fatalf("SiteByDomain in the backup: %v", err)
			}
			if diff := cmp.Diff(site, got); diff != "" {
				t.Errorf("SiteByDomain in the backup (-want +got):\n%s", diff)
			}
		})
	}
}

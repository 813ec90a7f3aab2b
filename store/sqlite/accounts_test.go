package sqlite

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/footfallhq/footfall/store"
)

// TestAccountsMigration: migration 0008 gives every existing user a
// personal account they own, moves each owned site into its owner's, and
// leaves an unowned site without one; old API keys keep what they could do.
func TestAccountsMigration(t *testing.T) {
	ctx := t.Context()
	s := openRaw(t, "")
	all, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	list, err := loadMigrations(all)
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	for _, m := range list {
		if m.version < 8 {
			before[m.name] = &fstest.MapFile{Data: []byte(m.sql)}
		}
	}
	if err := s.migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO users (id, email, created_at) VALUES (1, 'ada@example.com', 1000), (2, 'bob@example.com', 2000), (3, 'cy@example.com', 3000)",
		"INSERT INTO sites (id, domain, owner_id, created_at) VALUES (10, 'ada.example', 1, 1), (11, 'ada2.example', 1, 1), (12, 'bob.example', 2, 1), (13, 'nobody.example', NULL, 1)",
		"INSERT INTO api_keys (user_id, hash, created_at) VALUES (1, x'01', 1)",
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for user, sites := range map[int64][]string{1: {"ada.example", "ada2.example"}, 2: {"bob.example"}, 3: {}} {
		ms, err := s.UserMemberships(ctx, user)
		if err != nil || len(ms) != 1 || ms[0].Role != store.RoleOwner || ms[0].AccountName != ms[0].Email {
			t.Fatalf("UserMemberships(%d) = %+v, %v; want one personal account they own", user, ms, err)
		}
		got, err := s.AccountSites(ctx, ms[0].AccountID)
		if err != nil || len(got) != len(sites) {
			t.Fatalf("AccountSites(user %d's account) = %+v, %v; want %v", user, got, err, sites)
		}
		for i, site := range got {
			if site.Domain != sites[i] {
				t.Errorf("AccountSites(user %d's account)[%d] = %s, want %s", user, i, site.Domain, sites[i])
			}
		}
	}
	if site, _ := s.SiteByDomain(ctx, "nobody.example"); site.AccountID != 0 {
		t.Errorf("unowned site after the migration: account %d, want none", site.AccountID)
	}
	if k, _ := s.APIKeyByHash(ctx, []byte{1}); len(k.Scopes) != 2 {
		t.Errorf("old API key's scopes after the migration = %v, want stats:read sites:admin", k.Scopes)
	}
	// New accounts get new ids, past the users' own.
	u, err := s.CreateUser(ctx, store.User{Email: "new@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.UserMemberships(ctx, u.ID); len(ms) != 1 || ms[0].AccountID <= 3 {
		t.Errorf("new user's memberships = %+v, want a new personal account", ms)
	}
}

package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

func appTestCreateUser(t *testing.T, a store.App) {
	ctx := t.Context()
	got, err := a.CreateUser(ctx, store.User{ID: 999, Email: "Alice@Example.COM", PasswordHash: "$argon2id$v=19$x", Admin: true, CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if got.ID == 0 {
		t.Errorf("CreateUser: ID = 0, want an assigned ID")
	}
	want := store.User{ID: got.ID, Email: "alice@example.com", PasswordHash: "$argon2id$v=19$x", Admin: true, CreatedAt: appMS(appTime)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateUser returned (-want +got):\n%s", diff)
	}
	byID, err := a.UserByID(ctx, got.ID)
	if err != nil {
		t.Fatalf("UserByID(%d): %v", got.ID, err)
	}
	if diff := cmp.Diff(want, byID); diff != "" {
		t.Errorf("UserByID(%d) (-want +got):\n%s", got.ID, diff)
	}
	for _, email := range []string{"alice@example.com", "ALICE@EXAMPLE.COM", "Alice@example.Com"} {
		byEmail, err := a.UserByEmail(ctx, email)
		if err != nil {
			t.Fatalf("UserByEmail(%q): %v", email, err)
		}
		if diff := cmp.Diff(want, byEmail); diff != "" {
			t.Errorf("UserByEmail(%q) (-want +got):\n%s", email, diff)
		}
	}

	before := time.Now()
	dflt, err := a.CreateUser(ctx, store.User{Email: "bob@example.com"})
	after := time.Now()
	if err != nil {
		t.Fatalf("CreateUser(no CreatedAt): %v", err)
	}
	appWithin(t, "CreateUser", dflt.CreatedAt, before, after)
	if dflt.Admin || dflt.PasswordHash != "" {
		t.Errorf("CreateUser(bob) = %+v, want no admin, no password", dflt)
	}
}

func appTestCreateUserConflict(t *testing.T, a store.App) {
	ctx := t.Context()
	appUser(t, a, "bob@example.com")
	for _, email := range []string{"bob@example.com", "BOB@example.com"} {
		_, err := a.CreateUser(ctx, store.User{Email: email})
		appWantErr(t, "CreateUser("+email+") again", err, store.ErrConflict)
	}
}

func appTestUserNotFound(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "bob@example.com")
	_, err := a.UserByID(ctx, u.ID+1000)
	appWantErr(t, "UserByID(missing)", err, store.ErrNotFound)
	_, err = a.UserByEmail(ctx, "carol@example.com")
	appWantErr(t, "UserByEmail(missing)", err, store.ErrNotFound)
	appWantErr(t, "SetPassword(missing)", a.SetPassword(ctx, u.ID+1000, "x"), store.ErrNotFound)
}

func appTestListUsers(t *testing.T, a store.App) {
	ctx := t.Context()
	empty, err := a.ListUsers(ctx)
	if err != nil || len(empty) != 0 {
		t.Fatalf("ListUsers() on an empty store = %v, %v; want none", empty, err)
	}
	var want []store.User
	for i, email := range []string{"zed@example.com", "amy@example.com", "kim@example.com"} {
		u, err := a.CreateUser(ctx, store.User{Email: email, Admin: i == 1, CreatedAt: appTime})
		if err != nil {
			t.Fatalf("CreateUser(%q): %v", email, err)
		}
		want = append(want, u)
	}
	got, err := a.ListUsers(ctx)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListUsers() (-want +got):\n%s", diff)
	}
}

func appTestSetPassword(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "bob@example.com")
	other := appUser(t, a, "carol@example.com")
	if err := a.SetPassword(ctx, u.ID, "$argon2id$new"); err != nil {
		t.Fatalf("SetPassword(%d): %v", u.ID, err)
	}
	got, err := a.UserByID(ctx, u.ID)
	if err != nil || got.PasswordHash != "$argon2id$new" {
		t.Errorf("UserByID(%d) after SetPassword = %+v, %v; want PasswordHash %q", u.ID, got, err, "$argon2id$new")
	}
	got, err = a.UserByID(ctx, other.ID)
	if err != nil || got.PasswordHash != other.PasswordHash {
		t.Errorf("UserByID(%d) of another user = %+v, %v; want PasswordHash unchanged %q", other.ID, got, err, other.PasswordHash)
	}
}

func appTestCreateAPIKey(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "bob@example.com")
	hash := []byte("0123456789abcdef0123456789abcdef")
	got, err := a.CreateAPIKey(ctx, store.APIKey{ID: 999, UserID: u.ID, Name: "CI", Prefix: "ff_abc", Hash: hash, CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	if got.ID == 0 {
		t.Errorf("CreateAPIKey: ID = 0, want an assigned ID")
	}
	want := store.APIKey{ID: got.ID, UserID: u.ID, Name: "CI", Prefix: "ff_abc", Hash: hash, CreatedAt: appMS(appTime), Scopes: []string{store.ScopeStatsRead}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateAPIKey returned (-want +got):\n%s", diff)
	}
	byHash, err := a.APIKeyByHash(ctx, hash)
	if err != nil {
		t.Fatalf("APIKeyByHash: %v", err)
	}
	if diff := cmp.Diff(want, byHash); diff != "" {
		t.Errorf("APIKeyByHash (-want +got):\n%s", diff)
	}
	if !byHash.LastUsedAt.IsZero() {
		t.Errorf("APIKeyByHash of an unused key: LastUsedAt = %v, want zero", byHash.LastUsedAt)
	}
}

func appTestCreateAPIKeyConflict(t *testing.T, a store.App) {
	ctx := t.Context()
	bob := appUser(t, a, "bob@example.com")
	carol := appUser(t, a, "carol@example.com")
	hash := []byte("same hash")
	if _, err := a.CreateAPIKey(ctx, store.APIKey{UserID: bob.ID, Name: "one", Hash: hash}); err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	_, err := a.CreateAPIKey(ctx, store.APIKey{UserID: carol.ID, Name: "two", Hash: hash})
	appWantErr(t, "CreateAPIKey(same hash)", err, store.ErrConflict)
}

func appTestAPIKeyNotFound(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "bob@example.com")
	k, err := a.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Hash: []byte("key")})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	_, err = a.APIKeyByHash(ctx, []byte("other key"))
	appWantErr(t, "APIKeyByHash(missing)", err, store.ErrNotFound)
	_, err = a.APIKeyByHash(ctx, []byte("ke"))
	appWantErr(t, "APIKeyByHash(prefix of a hash)", err, store.ErrNotFound)
	appWantErr(t, "DeleteAPIKey(missing)", a.DeleteAPIKey(ctx, k.ID+1000), store.ErrNotFound)
	appWantErr(t, "TouchAPIKey(missing)", a.TouchAPIKey(ctx, k.ID+1000, appTime), store.ErrNotFound)
}

func appTestListAPIKeys(t *testing.T, a store.App) {
	ctx := t.Context()
	bob := appUser(t, a, "bob@example.com")
	carol := appUser(t, a, "carol@example.com")
	dave := appUser(t, a, "dave@example.com")
	want := map[int64][]store.APIKey{}
	// Interleaved, so a list must filter by user and order by ID.
	for i, owner := range []int64{bob.ID, carol.ID, bob.ID} {
		k, err := a.CreateAPIKey(ctx, store.APIKey{UserID: owner, Name: "k", Prefix: "ff_", Hash: []byte{byte(i), 1, 2, 3}, CreatedAt: appTime})
		if err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
		want[owner] = append(want[owner], k)
	}
	for _, u := range []store.User{bob, carol, dave} {
		got, err := a.ListAPIKeys(ctx, u.ID)
		if err != nil {
			t.Fatalf("ListAPIKeys(%d): %v", u.ID, err)
		}
		if diff := cmp.Diff(want[u.ID], got, cmp.Comparer(appSameKeys)); diff != "" {
			t.Errorf("ListAPIKeys(%d) (-want +got):\n%s", u.ID, diff)
		}
	}
}

// appSameKeys compares key lists treating nil and empty alike.
func appSameKeys(x, y []store.APIKey) bool {
	if len(x) == 0 || len(y) == 0 {
		return len(x) == len(y)
	}
	return cmp.Equal(x, y)
}

func appTestTouchAPIKey(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "bob@example.com")
	k, err := a.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Name: "CI", Hash: []byte("key")})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	for _, at := range []time.Time{appTime, appTime.Add(90*time.Minute + 1234567*time.Nanosecond)} {
		if err := a.TouchAPIKey(ctx, k.ID, at); err != nil {
			t.Fatalf("TouchAPIKey(%d, %v): %v", k.ID, at, err)
		}
		want := appMS(at)
		got, err := a.APIKeyByHash(ctx, k.Hash)
		if err != nil {
			t.Fatalf("APIKeyByHash: %v", err)
		}
		if !got.LastUsedAt.Equal(want) {
			t.Errorf("APIKeyByHash after TouchAPIKey(%v): LastUsedAt = %v, want %v", at, got.LastUsedAt, want)
		}
		list, err := a.ListAPIKeys(ctx, u.ID)
		if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(want) {
			t.Errorf("ListAPIKeys after TouchAPIKey(%v) = %v, %v; want LastUsedAt %v", at, list, err, want)
		}
	}
}

func appTestDeleteAPIKey(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "bob@example.com")
	gone, err := a.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Hash: []byte("gone")})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	kept, err := a.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Hash: []byte("kept")})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	if err := a.DeleteAPIKey(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteAPIKey(%d): %v", gone.ID, err)
	}
	_, err = a.APIKeyByHash(ctx, gone.Hash)
	appWantErr(t, "APIKeyByHash(deleted)", err, store.ErrNotFound)
	appWantErr(t, "DeleteAPIKey(deleted)", a.DeleteAPIKey(ctx, gone.ID), store.ErrNotFound)
	if _, err := a.APIKeyByHash(ctx, kept.Hash); err != nil {
		t.Errorf("APIKeyByHash(kept) after deleting another key: %v", err)
	}
	list, err := a.ListAPIKeys(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].ID != kept.ID {
		t.Errorf("ListAPIKeys(%d) = %v, %v; want only key %d", u.ID, list, err, kept.ID)
	}
}

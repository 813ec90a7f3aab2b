package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appTestSessions runs the first-user case on the empty store, then the
// session cases one after the other; each creates users of its own, so
// they do not meet.
func appTestSessions(t *testing.T, a store.App) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, a store.App)
	}{
		{"CreateFirstUser", appTestCreateFirstUser}, // first: needs the store empty
		{"Create", appTestCreateSession},
		{"CreateDefaults", appTestCreateSessionDefaults},
		{"Conflict", appTestSessionConflict},
		{"NotFound", appTestSessionNotFound},
		{"Touch", appTestTouchSession},
		{"Delete", appTestDeleteSession},
		{"DeleteUserSessions", appTestDeleteUserSessions},
		{"DeleteExpired", appTestDeleteExpiredSessions},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, a) })
	}
}

// appSessionUser creates a user named after the running test.
func appSessionUser(t testing.TB, a store.App, label string) store.User {
	t.Helper()
	return appUser(t, a, fmt.Sprintf("%s.%d@%s.test", label, time.Now().UnixNano(), "sessions"))
}

// appSession creates a session or fails the test.
func appSession(t testing.TB, a store.App, s store.Session) store.Session {
	t.Helper()
	got, err := a.CreateSession(t.Context(), s)
	if err != nil {
		t.Fatalf("CreateSession(user %d): %v", s.UserID, err)
	}
	return got
}

func appTestCreateSession(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appSessionUser(t, a, "create")
	in := store.Session{
		ID: 999, UserID: u.ID, TokenHash: []byte("hash-create-0123456789abcdef0123"), CSRFToken: "csrf-1",
		UserAgent: "Firefox 140 on Linux", Location: "Zürich, CH", CreatedAt: appTime, LastSeenAt: appTime.Add(time.Minute),
		ExpiresAt: appTime.Add(14 * 24 * time.Hour),
	}
	got := appSession(t, a, in)
	if got.ID == 0 || got.ID == 999 {
		t.Errorf("CreateSession: ID = %d, want a new ID", got.ID)
	}
	want := in
	want.ID = got.ID
	want.CreatedAt, want.LastSeenAt, want.ExpiresAt = appMS(in.CreatedAt).UTC(), appMS(in.LastSeenAt).UTC(), appMS(in.ExpiresAt).UTC()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateSession returned (-want +got):\n%s", diff)
	}
	byHash, err := a.SessionByHash(ctx, in.TokenHash)
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	if diff := cmp.Diff(want, byHash); diff != "" {
		t.Errorf("SessionByHash (-want +got):\n%s", diff)
	}
	list, err := a.ListSessions(ctx, u.ID)
	if err != nil {
		t.Fatalf("ListSessions(%d): %v", u.ID, err)
	}
	if diff := cmp.Diff([]store.Session{want}, list); diff != "" {
		t.Errorf("ListSessions(%d) (-want +got):\n%s", u.ID, diff)
	}
}

func appTestCreateSessionDefaults(t *testing.T, a store.App) {
	u := appSessionUser(t, a, "defaults")
	before := time.Now()
	got := appSession(t, a, store.Session{UserID: u.ID, TokenHash: []byte("hash-defaults"), CSRFToken: "c", ExpiresAt: before.Add(time.Hour)})
	after := time.Now()
	appWithin(t, "CreateSession", got.CreatedAt, before, after)
	if !got.LastSeenAt.Equal(got.CreatedAt) {
		t.Errorf("CreateSession: LastSeenAt = %v, want CreatedAt %v", got.LastSeenAt, got.CreatedAt)
	}
	if !got.ExpiresAt.Equal(appMS(before.Add(time.Hour))) {
		t.Errorf("CreateSession: ExpiresAt = %v, want %v", got.ExpiresAt, appMS(before.Add(time.Hour)))
	}
}

func appTestSessionConflict(t *testing.T, a store.App) {
	u := appSessionUser(t, a, "conflict")
	s := store.Session{UserID: u.ID, TokenHash: []byte("hash-conflict"), CSRFToken: "c", ExpiresAt: appTime}
	appSession(t, a, s)
	_, err := a.CreateSession(t.Context(), s)
	appWantErr(t, "CreateSession(same hash)", err, store.ErrConflict)
	s.UserID = u.ID + 1000
	s.TokenHash = []byte("hash-conflict-2")
	_, err = a.CreateSession(t.Context(), s)
	appWantErr(t, "CreateSession(missing user)", err, store.ErrNotFound)
}

func appTestSessionNotFound(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appSessionUser(t, a, "notfound")
	s := appSession(t, a, store.Session{UserID: u.ID, TokenHash: []byte("hash-notfound"), CSRFToken: "c", ExpiresAt: appTime})
	_, err := a.SessionByHash(ctx, []byte("hash-notfound-other"))
	appWantErr(t, "SessionByHash(missing)", err, store.ErrNotFound)
	appWantErr(t, "TouchSession(missing)", a.TouchSession(ctx, s.ID+1000, appTime, appTime), store.ErrNotFound)
	appWantErr(t, "DeleteSession(missing)", a.DeleteSession(ctx, u.ID, s.ID+1000), store.ErrNotFound)
	list, err := a.ListSessions(ctx, u.ID+1000)
	if err != nil || len(list) != 0 {
		t.Errorf("ListSessions(unknown user) = %v, %v; want none", list, err)
	}
}

func appTestTouchSession(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appSessionUser(t, a, "touch")
	s := appSession(t, a, store.Session{UserID: u.ID, TokenHash: []byte("hash-touch"), CSRFToken: "c", CreatedAt: appTime, ExpiresAt: appTime.Add(time.Hour)})
	seen, expires := appTime.Add(30*time.Minute), appTime.Add(90*time.Minute)
	if err := a.TouchSession(ctx, s.ID, seen, expires); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	got, err := a.SessionByHash(ctx, s.TokenHash)
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	if !got.LastSeenAt.Equal(appMS(seen)) || !got.ExpiresAt.Equal(appMS(expires)) || !got.CreatedAt.Equal(s.CreatedAt) {
		t.Errorf("after TouchSession: %+v, want LastSeenAt %v, ExpiresAt %v, CreatedAt unchanged", got, appMS(seen), appMS(expires))
	}
}

func appTestDeleteSession(t *testing.T, a store.App) {
	ctx := t.Context()
	alice, bob := appSessionUser(t, a, "alice"), appSessionUser(t, a, "bob")
	s := appSession(t, a, store.Session{UserID: alice.ID, TokenHash: []byte("hash-delete"), CSRFToken: "c", ExpiresAt: appTime})
	appWantErr(t, "DeleteSession(another user's)", a.DeleteSession(ctx, bob.ID, s.ID), store.ErrNotFound)
	if _, err := a.SessionByHash(ctx, s.TokenHash); err != nil {
		t.Fatalf("SessionByHash after another user's DeleteSession: %v", err)
	}
	if err := a.DeleteSession(ctx, alice.ID, s.ID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err := a.SessionByHash(ctx, s.TokenHash)
	appWantErr(t, "SessionByHash(deleted)", err, store.ErrNotFound)
	appWantErr(t, "DeleteSession(again)", a.DeleteSession(ctx, alice.ID, s.ID), store.ErrNotFound)
}

func appTestDeleteUserSessions(t *testing.T, a store.App) {
	ctx := t.Context()
	alice, bob := appSessionUser(t, a, "alice"), appSessionUser(t, a, "bob")
	for i := range 3 {
		appSession(t, a, store.Session{UserID: alice.ID, TokenHash: fmt.Appendf(nil, "hash-everywhere-a%d", i), CSRFToken: "c", ExpiresAt: appTime})
	}
	keep := appSession(t, a, store.Session{UserID: bob.ID, TokenHash: []byte("hash-everywhere-b"), CSRFToken: "c", ExpiresAt: appTime})
	if err := a.DeleteUserSessions(ctx, alice.ID); err != nil {
		t.Fatalf("DeleteUserSessions: %v", err)
	}
	if list, err := a.ListSessions(ctx, alice.ID); err != nil || len(list) != 0 {
		t.Errorf("ListSessions(alice) after DeleteUserSessions = %v, %v; want none", list, err)
	}
	if list, err := a.ListSessions(ctx, bob.ID); err != nil || len(list) != 1 || list[0].ID != keep.ID {
		t.Errorf("ListSessions(bob) after DeleteUserSessions(alice) = %v, %v; want his one session", list, err)
	}
	if err := a.DeleteUserSessions(ctx, alice.ID); err != nil {
		t.Errorf("DeleteUserSessions(no sessions left) = %v, want nil", err)
	}
}

func appTestDeleteExpiredSessions(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appSessionUser(t, a, "expired")
	now := appTime
	past := appSession(t, a, store.Session{UserID: u.ID, TokenHash: []byte("hash-expired-past"), CSRFToken: "c", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)})
	edge := appSession(t, a, store.Session{UserID: u.ID, TokenHash: []byte("hash-expired-edge"), CSRFToken: "c", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now})
	live := appSession(t, a, store.Session{UserID: u.ID, TokenHash: []byte("hash-expired-live"), CSRFToken: "c", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(time.Second)})
	// Other tests' sessions on this store expire around appTime too, so
	// count only this user's.
	if _, err := a.DeleteExpiredSessions(ctx, now); err != nil {
		t.Fatalf("DeleteExpiredSessions: %v", err)
	}
	list, err := a.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].ID != live.ID {
		t.Errorf("ListSessions after DeleteExpiredSessions(%v) = %v, %v; want only session %d (not %d, %d)", now, list, err, live.ID, past.ID, edge.ID)
	}
	n, err := a.DeleteExpiredSessions(ctx, now)
	if err != nil || n != 0 {
		t.Errorf("DeleteExpiredSessions again = %d, %v; want 0", n, err)
	}
}

// appTestCreateFirstUser races first users on an empty store: exactly one
// is stored, the rest are ErrConflict, and so is any later one.
func appTestCreateFirstUser(t *testing.T, a store.App) {
	ctx := t.Context()
	if has, err := a.HasUsers(ctx); err != nil || has {
		t.Fatalf("HasUsers() on an empty store = %v, %v; want false", has, err)
	}
	const n = 8
	var won []store.User
	var mu sync.Mutex
	errs := appParallel(n, func(i int) error {
		u, err := a.CreateFirstUser(ctx, store.User{Email: fmt.Sprintf("Owner%d@Example.com", i), PasswordHash: "h", Admin: true, CreatedAt: appTime})
		if errors.Is(err, store.ErrConflict) {
			return nil
		}
		if err == nil {
			mu.Lock()
			won = append(won, u)
			mu.Unlock()
		}
		return err
	})
	for _, err := range errs {
		t.Errorf("concurrent CreateFirstUser: %v", err)
	}
	if len(won) != 1 {
		t.Fatalf("concurrent CreateFirstUser: %d succeeded, want exactly 1", len(won))
	}
	users, err := a.ListUsers(ctx)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	want := store.User{ID: won[0].ID, Email: strings.ToLower(won[0].Email), PasswordHash: "h", Admin: true, CreatedAt: appMS(appTime).UTC()}
	if diff := cmp.Diff([]store.User{want}, users); diff != "" {
		t.Errorf("ListUsers after CreateFirstUser (-want +got):\n%s", diff)
	}
	if won[0].Email != want.Email {
		t.Errorf("CreateFirstUser returned email %q, want %q", won[0].Email, want.Email)
	}
	if has, err := a.HasUsers(ctx); err != nil || !has {
		t.Errorf("HasUsers() with a user = %v, %v; want true", has, err)
	}
	_, err = a.CreateFirstUser(ctx, store.User{Email: "late@example.com"})
	appWantErr(t, "CreateFirstUser on a store with a user", err, store.ErrConflict)
}

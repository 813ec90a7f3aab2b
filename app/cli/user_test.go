package cli

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

// TestResetPasswordEndsSessions: `user reset-password` signs out every
// browser of the user, and nobody else's.
func TestResetPasswordEndsSessions(t *testing.T) {
	dir := t.TempDir()
	runSteps(t, dir, []cliStep{
		{[]string{"user", "create", "--email", "ada@example.com", "--password", "correct horse battery"}, 0, nil},
		{[]string{"user", "create", "--email", "bob@example.com", "--password", "correct horse battery"}, 0, nil},
	})
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	session := func(email string) {
		u, err := db.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		_, hash := auth.NewSessionToken()
		if _, err := db.CreateSession(ctx, store.Session{UserID: u.ID, TokenHash: hash, CSRFToken: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	session("ada@example.com")
	session("ada@example.com")
	session("bob@example.com")
	runSteps(t, dir, []cliStep{
		{[]string{"user", "reset-password", "--email", "ada@example.com", "--password", "another horse battery"}, 0,
			[]string{"password of ada@example.com changed; every browser signed in as them is signed out"}},
	})
	for email, want := range map[string]int{"ada@example.com": 0, "bob@example.com": 1} {
		u, _ := db.UserByEmail(ctx, email)
		if list, err := db.ListSessions(ctx, u.ID); err != nil || len(list) != want {
			t.Errorf("sessions of %s after ada's reset = %d, %v; want %d", email, len(list), err, want)
		}
	}
}

// TestResetTwoFactor: `user reset-2fa` turns two-factor off and signs the
// user out everywhere.
func TestResetTwoFactor(t *testing.T) {
	dir := t.TempDir()
	runSteps(t, dir, []cliStep{
		{[]string{"user", "create", "--email", "ada@example.com", "--password", "correct horse battery"}, 0, nil},
	})
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, hash := auth.NewSessionToken()
	if _, err := db.CreateSession(ctx, store.Session{UserID: u.ID, TokenHash: hash, CSRFToken: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetTOTP(ctx, u.ID, []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	if err := db.EnableTOTP(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	runSteps(t, dir, []cliStep{
		{[]string{"user", "list"}, 0, []string{"2FA", "ada@example.com  false  true"}},
		{[]string{"user", "reset-2fa", "--email", "ada@example.com"}, 0, []string{"two-factor sign-in of ada@example.com turned off"}},
		{[]string{"user", "list"}, 0, []string{"ada@example.com  false  false"}},
		{[]string{"user", "reset-2fa", "--email", "nobody@example.com"}, 1, []string{"user nobody@example.com"}},
	})
	if tf, err := db.TOTP(ctx, u.ID); err != nil || tf.Enabled || tf.Sealed != nil {
		t.Errorf("TOTP after reset-2fa = %+v, %v; want none", tf, err)
	}
	if list, err := db.ListSessions(ctx, u.ID); err != nil || len(list) != 0 {
		t.Errorf("sessions after reset-2fa = %d, %v; want none", len(list), err)
	}
}

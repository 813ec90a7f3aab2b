package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appTestTOTP walks a user's second factor through its life: none, set
// up, enabled with recovery codes, codes used once, steps never reused,
// set up again, disabled.
func appTestTOTP(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "ada@example.com")
	other := appUser(t, a, "bob@example.com")
	get := func(id int64) store.TOTP {
		t.Helper()
		got, err := a.TOTP(ctx, id)
		if err != nil {
			t.Fatalf("TOTP(%d): %v", id, err)
		}
		return got
	}
	if got := get(u.ID); got.Sealed != nil || got.Enabled || got.LastStep != 0 {
		t.Errorf("TOTP of a new user = %+v, want none", got)
	}
	_, err := a.TOTP(ctx, u.ID+1000)
	appWantErr(t, "TOTP(missing user)", err, store.ErrNotFound)
	appWantErr(t, "SetTOTP(missing user)", a.SetTOTP(ctx, u.ID+1000, []byte("x")), store.ErrNotFound)
	appWantErr(t, "EnableTOTP(no secret)", a.EnableTOTP(ctx, u.ID, nil), store.ErrNotFound)

	if err := a.SetTOTP(ctx, u.ID, []byte("sealed-1")); err != nil {
		t.Fatalf("SetTOTP: %v", err)
	}
	if diff := cmp.Diff(store.TOTP{Sealed: []byte("sealed-1")}, get(u.ID)); diff != "" {
		t.Errorf("TOTP after SetTOTP (-want +got):\n%s", diff)
	}
	if err := a.EnableTOTP(ctx, u.ID, [][]byte{[]byte("code-a"), []byte("code-b")}); err != nil {
		t.Fatalf("EnableTOTP: %v", err)
	}
	if got := get(u.ID); !got.Enabled || string(got.Sealed) != "sealed-1" {
		t.Errorf("TOTP after EnableTOTP = %+v, want sealed-1 enabled", got)
	}
	if got := get(other.ID); got.Enabled || got.Sealed != nil {
		t.Errorf("another user's TOTP = %+v, want none", got)
	}

	appWantErr(t, "UseRecoveryCode(another user's code)", a.UseRecoveryCode(ctx, other.ID, []byte("code-a")), store.ErrNotFound)
	if err := a.UseRecoveryCode(ctx, u.ID, []byte("code-a")); err != nil {
		t.Errorf("UseRecoveryCode: %v", err)
	}
	appWantErr(t, "UseRecoveryCode(used)", a.UseRecoveryCode(ctx, u.ID, []byte("code-a")), store.ErrNotFound)
	appWantErr(t, "UseRecoveryCode(unknown)", a.UseRecoveryCode(ctx, u.ID, []byte("code-z")), store.ErrNotFound)

	if err := a.UseTOTPStep(ctx, u.ID, 100); err != nil {
		t.Errorf("UseTOTPStep(100): %v", err)
	}
	appWantErr(t, "UseTOTPStep(100) again", a.UseTOTPStep(ctx, u.ID, 100), store.ErrConflict)
	appWantErr(t, "UseTOTPStep(99)", a.UseTOTPStep(ctx, u.ID, 99), store.ErrConflict)
	if err := a.UseTOTPStep(ctx, u.ID, 101); err != nil {
		t.Errorf("UseTOTPStep(101): %v", err)
	}
	if got := get(u.ID).LastStep; got != 101 {
		t.Errorf("LastStep = %d, want 101", got)
	}
	appWantErr(t, "UseTOTPStep(missing user)", a.UseTOTPStep(ctx, u.ID+1000, 5), store.ErrConflict)
	errs := appParallel(8, func(int) error { return a.UseTOTPStep(ctx, u.ID, 200) })
	if len(errs) != 7 {
		t.Errorf("8 concurrent UseTOTPStep(200): %d failed, want 7 (one code, one use): %v", len(errs), errs)
	}

	// Enabling again replaces the codes.
	if err := a.EnableTOTP(ctx, u.ID, [][]byte{[]byte("code-c")}); err != nil {
		t.Fatalf("EnableTOTP again: %v", err)
	}
	appWantErr(t, "UseRecoveryCode(replaced)", a.UseRecoveryCode(ctx, u.ID, []byte("code-b")), store.ErrNotFound)
	// Setting up a new secret disables two-factor until enabled again.
	if err := a.SetTOTP(ctx, u.ID, []byte("sealed-2")); err != nil {
		t.Fatalf("SetTOTP again: %v", err)
	}
	if got := get(u.ID); got.Enabled || string(got.Sealed) != "sealed-2" {
		t.Errorf("TOTP after a second SetTOTP = %+v, want sealed-2, not enabled", got)
	}
	if err := a.DisableTOTP(ctx, u.ID); err != nil {
		t.Fatalf("DisableTOTP: %v", err)
	}
	if got := get(u.ID); got.Enabled || got.Sealed != nil {
		t.Errorf("TOTP after DisableTOTP = %+v, want none", got)
	}
	appWantErr(t, "UseRecoveryCode after DisableTOTP", a.UseRecoveryCode(ctx, u.ID, []byte("code-c")), store.ErrNotFound)
	if err := a.DisableTOTP(ctx, other.ID); err != nil {
		t.Errorf("DisableTOTP(no TOTP): %v", err)
	}
}

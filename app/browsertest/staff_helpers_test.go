package browsertest

import (
	"testing"

	"github.com/footfallhq/footfall/store"
)

// staffTwoFactor turns two-factor sign-in on for a staff user who is
// signed in already, as every /api/admin/ route requires; the browser's
// session stays valid, and the secret is never used.
func staffTwoFactor(t *testing.T, db store.App, userID int64) {
	t.Helper()
	if err := db.SetTOTP(t.Context(), userID, []byte("sealed-secret-not-used")); err != nil {
		t.Fatal(err)
	}
	if err := db.EnableTOTP(t.Context(), userID, nil); err != nil {
		t.Fatal(err)
	}
}

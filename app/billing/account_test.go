package billing_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/footfallhq/footfall/store"
)

var users atomic.Int64

// newAccount returns the id of a new account in db, owned by a new user.
func newAccount(t testing.TB, db store.App) int64 {
	t.Helper()
	u, err := db.CreateUser(t.Context(), store.User{Email: fmt.Sprintf("owner%d@example.com", users.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.CreateAccount(t.Context(), store.Account{Name: "Team"}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

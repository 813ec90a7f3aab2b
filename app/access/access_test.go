package access

import (
	"errors"
	"testing"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

// TestAllows is the policy as a table: each role and what it may do.
func TestAllows(t *testing.T) {
	want := map[store.Role][]Action{
		store.RoleViewer: {ReadStats},
		store.RoleEditor: {ReadStats, EditGoals},
		store.RoleAdmin:  {ReadStats, EditGoals, ManageSite, ManageMembers, ManageKeys, ManageBilling},
		store.RoleOwner:  {ReadStats, EditGoals, ManageSite, ManageMembers, ManageKeys, DeleteAccount, TransferOwnership, ManageBilling},
		"":               {},
		"root":           {},
	}
	for role, acts := range want {
		allowed := map[Action]bool{}
		for _, a := range acts {
			allowed[a] = true
		}
		for a := ReadStats; a <= ManageBilling; a++ {
			if got := Allows(role, a); got != allowed[a] {
				t.Errorf("Allows(%q, %s) = %v, want %v", role, a, got, allowed[a])
			}
		}
	}
}

func TestChecker(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	owner, _ := db.CreateUser(ctx, store.User{Email: "owner@example.com"})
	viewer, _ := db.CreateUser(ctx, store.User{Email: "viewer@example.com"})
	stranger, _ := db.CreateUser(ctx, store.User{Email: "stranger@example.com"})
	staff, _ := db.CreateUser(ctx, store.User{Email: "staff@example.com", Admin: true})
	site, err := db.CreateSite(ctx, store.Site{Domain: "a.example", OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	unowned, _ := db.CreateSite(ctx, store.Site{Domain: "b.example"})
	if err := db.AddMember(ctx, store.Membership{AccountID: site.AccountID, UserID: viewer.ID, Role: store.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	c := Checker{DB: db}
	var forbidden *ForbiddenError
	for _, tc := range []struct {
		user store.User
		site store.Site
		act  Action
		want string // "", "not found", "forbidden"
	}{
		{owner, site, DeleteAccount, ""},
		{viewer, site, ReadStats, ""},
		{viewer, site, EditGoals, "forbidden"},
		{stranger, site, ReadStats, "not found"},
		{staff, site, DeleteAccount, ""},
		{owner, unowned, ReadStats, "not found"},
		{staff, unowned, ManageSite, ""},
	} {
		err := c.Site(ctx, tc.user, tc.site, tc.act)
		got := ""
		switch {
		case errors.Is(err, ErrNotFound):
			got = "not found"
		case errors.As(err, &forbidden):
			got = "forbidden"
		case err != nil:
			t.Fatalf("Site(%s, %s, %s): %v", tc.user.Email, tc.site.Domain, tc.act, err)
		}
		if got != tc.want {
			t.Errorf("Site(%s, %s, %s) = %q, want %q", tc.user.Email, tc.site.Domain, tc.act, got, tc.want)
		}
		roles, err := c.Roles(ctx, tc.user)
		if err != nil {
			t.Fatal(err)
		}
		if ok := roles.Site(tc.site, tc.act); ok != (tc.want == "") {
			t.Errorf("Roles(%s).Site(%s, %s) = %v, want %v", tc.user.Email, tc.site.Domain, tc.act, ok, tc.want == "")
		}
	}
}

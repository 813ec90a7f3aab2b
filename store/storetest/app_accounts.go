package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appAccountTests are the store.Accounts cases of RunApp.
var appAccountTests = []struct {
	name string
	run  func(t *testing.T, a store.App)
}{
	{"PersonalAccount", appTestPersonalAccount},
	{"Members", appTestMembers},
	{"TransferOwnership", appTestTransferOwnership},
	{"Invitations", appTestInvitations},
	{"AccountSites", appTestAccountSites},
	{"APIKeyScopes", appTestAPIKeyScopes},
}

// appMember is a membership as the listing methods return it.
func appMember(a store.Account, u store.User, role store.Role, at time.Time) store.Membership {
	return store.Membership{AccountID: a.ID, UserID: u.ID, Role: role, CreatedAt: appMS(at), Email: u.Email, AccountName: a.Name}
}

// appTestPersonalAccount: a new user owns a personal account named after
// their email, and a site given only its owner goes there.
func appTestPersonalAccount(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "Ada@Example.com")
	ms, err := a.UserMemberships(ctx, u.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("UserMemberships(%d) = %v, %v; want one (the personal account)", u.ID, ms, err)
	}
	acc, err := a.AccountByID(ctx, ms[0].AccountID)
	if err != nil {
		t.Fatalf("AccountByID(%d): %v", ms[0].AccountID, err)
	}
	if want := (store.Account{ID: acc.ID, Name: "ada@example.com", CreatedAt: appMS(appTime)}); !cmp.Equal(want, acc) {
		t.Errorf("AccountByID = %+v, want %+v", acc, want)
	}
	if diff := cmp.Diff([]store.Membership{appMember(acc, u, store.RoleOwner, appTime)}, ms); diff != "" {
		t.Errorf("UserMemberships (-want +got):\n%s", diff)
	}
	site, err := a.CreateSite(ctx, store.Site{Domain: "ada.example", TimeZone: "UTC", OwnerID: u.ID})
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	if site.AccountID != acc.ID {
		t.Errorf("CreateSite(owner %d).AccountID = %d, want the personal account %d", u.ID, site.AccountID, acc.ID)
	}
	if got, _ := a.SiteByID(ctx, site.ID); got.AccountID != acc.ID {
		t.Errorf("SiteByID(%d).AccountID = %d, want %d", site.ID, got.AccountID, acc.ID)
	}
	first, err := a.CreateFirstUser(ctx, store.User{Email: "x@example.com"})
	appWantErr(t, "CreateFirstUser with users", err, store.ErrConflict)
	if first.ID != 0 {
		t.Errorf("CreateFirstUser with users = %+v", first)
	}
	if list, _ := a.ListAccounts(ctx); len(list) != 1 {
		t.Errorf("ListAccounts after a refused CreateFirstUser = %v, want the one personal account", list)
	}
	if _, err := a.AccountByID(ctx, acc.ID+1000); err == nil {
		t.Errorf("AccountByID(missing): no error")
	} else {
		appWantErr(t, "AccountByID(missing)", err, store.ErrNotFound)
	}
	if err := a.RenameAccount(ctx, acc.ID, "Ada's team"); err != nil {
		t.Fatalf("RenameAccount: %v", err)
	}
	if got, _ := a.AccountByID(ctx, acc.ID); got.Name != "Ada's team" {
		t.Errorf("AccountByID after RenameAccount: name %q", got.Name)
	}
	appWantErr(t, "RenameAccount(missing)", a.RenameAccount(ctx, acc.ID+1000, "x"), store.ErrNotFound)
}

func appTestMembers(t *testing.T, a store.App) {
	ctx := t.Context()
	owner := appUser(t, a, "owner@example.com")
	ed := appUser(t, a, "ed@example.com")
	vi := appUser(t, a, "vi@example.com")
	acc, err := a.CreateAccount(ctx, store.Account{Name: "Team", CreatedAt: appTime}, owner.ID)
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if acc.ID == 0 || acc.Name != "Team" || !acc.CreatedAt.Equal(appMS(appTime)) {
		t.Errorf("CreateAccount = %+v", acc)
	}
	_, err = a.CreateAccount(ctx, store.Account{Name: "Nobody's"}, owner.ID+1000)
	appWantErr(t, "CreateAccount(missing owner)", err, store.ErrNotFound)

	later := appTime.Add(time.Hour)
	if err := a.AddMember(ctx, store.Membership{AccountID: acc.ID, UserID: ed.ID, Role: store.RoleEditor, CreatedAt: later}); err != nil {
		t.Fatalf("AddMember(editor): %v", err)
	}
	if err := a.AddMember(ctx, store.Membership{AccountID: acc.ID, UserID: vi.ID, Role: store.RoleViewer, CreatedAt: later.Add(time.Hour)}); err != nil {
		t.Fatalf("AddMember(viewer): %v", err)
	}
	appWantErr(t, "AddMember(again)", a.AddMember(ctx, store.Membership{AccountID: acc.ID, UserID: vi.ID, Role: store.RoleAdmin}), store.ErrConflict)
	appWantErr(t, "AddMember(owner)", a.AddMember(ctx, store.Membership{AccountID: acc.ID, UserID: appUser(t, a, "o2@example.com").ID, Role: store.RoleOwner}), store.ErrConflict)
	appWantErr(t, "AddMember(missing user)", a.AddMember(ctx, store.Membership{AccountID: acc.ID, UserID: vi.ID + 1000, Role: store.RoleViewer}), store.ErrNotFound)
	appWantErr(t, "AddMember(missing account)", a.AddMember(ctx, store.Membership{AccountID: acc.ID + 1000, UserID: vi.ID, Role: store.RoleViewer}), store.ErrNotFound)

	want := []store.Membership{
		appMember(acc, owner, store.RoleOwner, appTime),
		appMember(acc, ed, store.RoleEditor, later),
		appMember(acc, vi, store.RoleViewer, later.Add(time.Hour)),
	}
	got, err := a.Members(ctx, acc.ID)
	if err != nil {
		t.Fatalf("Members: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Members (-want +got):\n%s", diff)
	}
	m, err := a.Membership(ctx, acc.ID, ed.ID)
	if err != nil || !cmp.Equal(m, want[1]) {
		t.Errorf("Membership(editor) = %+v, %v; want %+v", m, err, want[1])
	}
	_, err = a.Membership(ctx, acc.ID, ed.ID+1000)
	appWantErr(t, "Membership(not a member)", err, store.ErrNotFound)

	if err := a.SetRole(ctx, acc.ID, vi.ID, store.RoleAdmin); err != nil {
		t.Fatalf("SetRole(viewer → admin): %v", err)
	}
	if m, _ := a.Membership(ctx, acc.ID, vi.ID); m.Role != store.RoleAdmin {
		t.Errorf("role after SetRole = %q, want admin", m.Role)
	}
	appWantErr(t, "SetRole(→ owner)", a.SetRole(ctx, acc.ID, vi.ID, store.RoleOwner), store.ErrConflict)
	appWantErr(t, "SetRole(the owner)", a.SetRole(ctx, acc.ID, owner.ID, store.RoleViewer), store.ErrConflict)
	appWantErr(t, "SetRole(not a member)", a.SetRole(ctx, acc.ID, vi.ID+1000, store.RoleViewer), store.ErrNotFound)

	appWantErr(t, "RemoveMember(the owner)", a.RemoveMember(ctx, acc.ID, owner.ID), store.ErrConflict)
	if err := a.RemoveMember(ctx, acc.ID, ed.ID); err != nil {
		t.Fatalf("RemoveMember(editor): %v", err)
	}
	appWantErr(t, "RemoveMember(again)", a.RemoveMember(ctx, acc.ID, ed.ID), store.ErrNotFound)
	if list, _ := a.Members(ctx, acc.ID); len(list) != 2 {
		t.Errorf("Members after RemoveMember = %v, want the owner and one more", list)
	}
	// The editor keeps their own account.
	if ms, _ := a.UserMemberships(ctx, ed.ID); len(ms) != 1 || ms[0].Role != store.RoleOwner {
		t.Errorf("UserMemberships(removed editor) = %v, want only their personal account", ms)
	}
	ms, err := a.UserMemberships(ctx, vi.ID)
	if err != nil || len(ms) != 2 || ms[1].AccountID != acc.ID || ms[1].AccountName != "Team" || ms[1].Role != store.RoleAdmin {
		t.Errorf("UserMemberships(vi) = %+v, %v; want personal, then Team as admin", ms, err)
	}
}

func appTestTransferOwnership(t *testing.T, a store.App) {
	ctx := t.Context()
	owner := appUser(t, a, "owner@example.com")
	next := appUser(t, a, "next@example.com")
	stranger := appUser(t, a, "stranger@example.com")
	acc, err := a.CreateAccount(ctx, store.Account{Name: "Team"}, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AddMember(ctx, store.Membership{AccountID: acc.ID, UserID: next.ID, Role: store.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	appWantErr(t, "TransferOwnership(not a member)", a.TransferOwnership(ctx, acc.ID, stranger.ID), store.ErrNotFound)
	if err := a.TransferOwnership(ctx, acc.ID, next.ID); err != nil {
		t.Fatalf("TransferOwnership: %v", err)
	}
	roles := map[int64]store.Role{}
	list, _ := a.Members(ctx, acc.ID)
	for _, m := range list {
		roles[m.UserID] = m.Role
	}
	if want := map[int64]store.Role{owner.ID: store.RoleAdmin, next.ID: store.RoleOwner}; !cmp.Equal(want, roles) {
		t.Errorf("roles after TransferOwnership = %v, want %v", roles, want)
	}
	// To the owner again: nothing changes.
	if err := a.TransferOwnership(ctx, acc.ID, next.ID); err != nil {
		t.Errorf("TransferOwnership(to the owner): %v", err)
	}
	// The old owner, now admin, may leave; the new one may not.
	appWantErr(t, "RemoveMember(new owner)", a.RemoveMember(ctx, acc.ID, next.ID), store.ErrConflict)
	if err := a.RemoveMember(ctx, acc.ID, owner.ID); err != nil {
		t.Errorf("RemoveMember(old owner): %v", err)
	}
}

func appTestInvitations(t *testing.T, a store.App) {
	ctx := t.Context()
	owner := appUser(t, a, "owner@example.com")
	guest := appUser(t, a, "guest@example.com")
	acc, err := a.CreateAccount(ctx, store.Account{Name: "Team"}, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	expires := appTime.Add(72 * time.Hour)
	inv, err := a.CreateInvitation(ctx, store.Invitation{ID: 999, AccountID: acc.ID, Email: "Guest@Example.com", Role: store.RoleEditor,
		TokenHash: []byte("hash-1"), ExpiresAt: expires, InvitedBy: owner.ID, CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateInvitation: %v", err)
	}
	want := store.Invitation{ID: inv.ID, AccountID: acc.ID, Email: "guest@example.com", Role: store.RoleEditor,
		TokenHash: []byte("hash-1"), ExpiresAt: appMS(expires), InvitedBy: owner.ID, CreatedAt: appMS(appTime)}
	if diff := cmp.Diff(want, inv); diff != "" {
		t.Errorf("CreateInvitation (-want +got):\n%s", diff)
	}
	got, err := a.InvitationByHash(ctx, []byte("hash-1"))
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("InvitationByHash = %v (-want +got):\n%s", err, diff)
	}
	_, err = a.InvitationByHash(ctx, []byte("nope"))
	appWantErr(t, "InvitationByHash(unknown)", err, store.ErrNotFound)
	_, err = a.CreateInvitation(ctx, store.Invitation{AccountID: acc.ID, Email: "x@example.com", Role: store.RoleOwner, TokenHash: []byte("hash-o"), ExpiresAt: expires})
	appWantErr(t, "CreateInvitation(owner)", err, store.ErrConflict)
	_, err = a.CreateInvitation(ctx, store.Invitation{AccountID: acc.ID, Email: "x@example.com", Role: store.RoleViewer, TokenHash: []byte("hash-1"), ExpiresAt: expires})
	appWantErr(t, "CreateInvitation(same token hash)", err, store.ErrConflict)

	// Inviting the same address again replaces the pending invitation.
	again, err := a.CreateInvitation(ctx, store.Invitation{AccountID: acc.ID, Email: "guest@example.com", Role: store.RoleViewer,
		TokenHash: []byte("hash-2"), ExpiresAt: expires, InvitedBy: owner.ID, CreatedAt: appTime.Add(time.Minute)})
	if err != nil {
		t.Fatalf("CreateInvitation(again): %v", err)
	}
	other, err := a.CreateInvitation(ctx, store.Invitation{AccountID: acc.ID, Email: "late@example.com", Role: store.RoleViewer,
		TokenHash: []byte("hash-3"), ExpiresAt: appTime.Add(time.Hour), CreatedAt: appTime.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.Invitations(ctx, acc.ID)
	if err != nil || len(list) != 2 || list[0].ID != again.ID || list[1].ID != other.ID {
		t.Fatalf("Invitations = %+v, %v; want the second invitation of guest, then late's", list, err)
	}
	if _, err := a.InvitationByHash(ctx, []byte("hash-1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("InvitationByHash(replaced) = %v, want ErrNotFound", err)
	}

	// Expired: refused.
	_, err = a.AcceptInvitation(ctx, other.ID, guest.ID, appTime.Add(2*time.Hour))
	appWantErr(t, "AcceptInvitation(expired)", err, store.ErrNotFound)
	m, err := a.AcceptInvitation(ctx, again.ID, guest.ID, appTime.Add(time.Hour))
	if err != nil {
		t.Fatalf("AcceptInvitation: %v", err)
	}
	if wantM := appMember(acc, guest, store.RoleViewer, appTime.Add(time.Hour)); !cmp.Equal(wantM, m) {
		t.Errorf("AcceptInvitation = %+v, want %+v", m, wantM)
	}
	_, err = a.AcceptInvitation(ctx, again.ID, guest.ID, appTime.Add(time.Hour))
	appWantErr(t, "AcceptInvitation(twice)", err, store.ErrNotFound)
	acc2, _ := a.InvitationByHash(ctx, []byte("hash-2"))
	if !acc2.AcceptedAt.Equal(appMS(appTime.Add(time.Hour))) {
		t.Errorf("InvitationByHash(accepted).AcceptedAt = %v", acc2.AcceptedAt)
	}
	if list, _ := a.Invitations(ctx, acc.ID); len(list) != 1 || list[0].ID != other.ID {
		t.Errorf("Invitations after accepting = %+v, want late's only", list)
	}
	appWantErr(t, "DeleteInvitation(accepted)", a.DeleteInvitation(ctx, acc.ID, again.ID), store.ErrNotFound)

	// A member already: conflict, and the invitation stays pending.
	dup, err := a.CreateInvitation(ctx, store.Invitation{AccountID: acc.ID, Email: "guest@example.com", Role: store.RoleAdmin,
		TokenHash: []byte("hash-4"), ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.AcceptInvitation(ctx, dup.ID, guest.ID, appTime)
	appWantErr(t, "AcceptInvitation(member already)", err, store.ErrConflict)
	if got, _ := a.InvitationByHash(ctx, []byte("hash-4")); !got.AcceptedAt.IsZero() {
		t.Errorf("invitation accepted although the membership was refused")
	}

	// Another account cannot delete it; its own can.
	otherAcc, err := a.CreateAccount(ctx, store.Account{Name: "Other"}, guest.ID)
	if err != nil {
		t.Fatal(err)
	}
	appWantErr(t, "DeleteInvitation(other account)", a.DeleteInvitation(ctx, otherAcc.ID, dup.ID), store.ErrNotFound)
	if err := a.DeleteInvitation(ctx, acc.ID, dup.ID); err != nil {
		t.Errorf("DeleteInvitation: %v", err)
	}
	if list, _ := a.Invitations(ctx, otherAcc.ID); len(list) != 0 {
		t.Errorf("Invitations(account without any) = %v", list)
	}
}

func appTestAccountSites(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "u@example.com")
	team, err := a.CreateAccount(ctx, store.Account{Name: "Team"}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	s1, err := a.CreateSite(ctx, store.Site{Domain: "one.example", TimeZone: "UTC", AccountID: team.ID, OwnerID: u.ID})
	if err != nil || s1.AccountID != team.ID {
		t.Fatalf("CreateSite(account %d) = %+v, %v", team.ID, s1, err)
	}
	s2, err := a.CreateSite(ctx, store.Site{Domain: "two.example", TimeZone: "UTC", OwnerID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.CreateSite(ctx, store.Site{Domain: "three.example", TimeZone: "UTC", AccountID: team.ID + 1000})
	appWantErr(t, "CreateSite(missing account)", err, store.ErrNotFound)
	got, err := a.AccountSites(ctx, team.ID)
	if err != nil || len(got) != 1 || got[0].ID != s1.ID {
		t.Errorf("AccountSites(team) = %+v, %v; want one.example", got, err)
	}
	if err := a.MoveSite(ctx, s2.ID, team.ID); err != nil {
		t.Fatalf("MoveSite: %v", err)
	}
	if got, _ := a.AccountSites(ctx, team.ID); len(got) != 2 || got[1].ID != s2.ID || got[1].AccountID != team.ID {
		t.Errorf("AccountSites(team) after MoveSite = %+v", got)
	}
	appWantErr(t, "MoveSite(missing site)", a.MoveSite(ctx, s2.ID+1000, team.ID), store.ErrNotFound)
	appWantErr(t, "MoveSite(missing account)", a.MoveSite(ctx, s2.ID, team.ID+1000), store.ErrNotFound)
}

func appTestAPIKeyScopes(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "u@example.com")
	k, err := a.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Hash: []byte("h1"), Scopes: []string{store.ScopeEventsWrite, store.ScopeSitesAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.APIKeyByHash(ctx, []byte("h1"))
	if err != nil || !cmp.Equal(got.Scopes, []string{store.ScopeEventsWrite, store.ScopeSitesAdmin}) || !cmp.Equal(k.Scopes, got.Scopes) {
		t.Errorf("APIKeyByHash.Scopes = %v, %v; want events:write sites:admin", got.Scopes, err)
	}
	if _, err := a.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Hash: []byte("h2")}); err != nil {
		t.Fatal(err)
	}
	list, _ := a.ListAPIKeys(ctx, u.ID)
	if len(list) != 2 || !cmp.Equal(list[1].Scopes, []string{store.ScopeStatsRead}) {
		t.Errorf("ListAPIKeys = %+v; want the second key with the default scope stats:read", list)
	}
}

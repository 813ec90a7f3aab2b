package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// staffFixture: ann owns "Ann" (personal account) with site ann.example;
// bob is a viewer of Ann's account and owns his own; root is an instance
// administrator who is also a member of Ann's account.
type staffFixture struct {
	ann, bob, root store.User
	annAcct        int64
	bobAcct        int64
	site           store.Site
}

func newStaffFixture(t *testing.T, a store.App) staffFixture {
	t.Helper()
	ctx := t.Context()
	var f staffFixture
	var err error
	if f.ann, err = a.CreateUser(ctx, store.User{Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if f.bob, err = a.CreateUser(ctx, store.User{Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	if f.root, err = a.CreateUser(ctx, store.User{Email: "root@example.com", Admin: true}); err != nil {
		t.Fatal(err)
	}
	if f.site, err = a.CreateSite(ctx, store.Site{Domain: "ann.example", TimeZone: "UTC", OwnerID: f.ann.ID}); err != nil {
		t.Fatal(err)
	}
	f.annAcct = f.site.AccountID
	if err := a.RenameAccount(ctx, f.annAcct, "Ann 100%"); err != nil {
		t.Fatal(err)
	}
	ms, err := a.UserMemberships(ctx, f.bob.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("bob's memberships: %v, %v", ms, err)
	}
	f.bobAcct = ms[0].AccountID
	for _, u := range []store.User{f.bob, f.root} {
		if err := a.AddMember(ctx, store.Membership{AccountID: f.annAcct, UserID: u.ID, Role: store.RoleViewer}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// appTestAuditLog: entries come back newest first, page by ID, filter by
// account, and default their detail and time.
func appTestAuditLog(t *testing.T, a store.App) {
	ctx := t.Context()
	at := time.Date(2026, 11, 23, 18, 0, 0, 123456789, time.UTC)
	var ids []int64
	for i, e := range []store.AuditEntry{
		{At: at, ActorID: 7, ActorEmail: "root@example.com", Action: "account.block", AccountID: 1, Target: "Ann", Detail: `{"reason":"spam"}`},
		{ActorID: 7, Action: "announcement.send"},
		{At: at, ActorID: 0, Action: "account.destroy", AccountID: 1},
	} {
		got, err := a.AppendAudit(ctx, e)
		if err != nil {
			t.Fatalf("AppendAudit(%d): %v", i, err)
		}
		if got.ID == 0 || got.At.IsZero() || got.Detail == "" {
			t.Errorf("AppendAudit(%d) = %+v, want an ID, a time and a detail", i, got)
		}
		if i == 0 && !got.At.Equal(at.Truncate(time.Millisecond)) {
			t.Errorf("AppendAudit: At = %v, want %v", got.At, at.Truncate(time.Millisecond))
		}
		ids = append(ids, got.ID)
	}
	all, err := a.AuditLog(ctx, store.AuditQuery{})
	if err != nil || len(all) != 3 || all[0].ID != ids[2] || all[2].ID != ids[0] {
		t.Fatalf("AuditLog() = %+v, %v; want 3 entries newest first", all, err)
	}
	if e := all[2]; e.Action != "account.block" || e.ActorEmail != "root@example.com" || e.Target != "Ann" || e.Detail != `{"reason":"spam"}` || e.AccountID != 1 {
		t.Errorf("AuditLog()[2] = %+v", e)
	}
	if all[1].Detail != "{}" {
		t.Errorf("AuditLog()[1].Detail = %q, want {}", all[1].Detail)
	}
	page, err := a.AuditLog(ctx, store.AuditQuery{Before: ids[2], Limit: 1})
	if err != nil || len(page) != 1 || page[0].ID != ids[1] {
		t.Errorf("AuditLog(before %d, limit 1) = %+v, %v; want entry %d", ids[2], page, err, ids[1])
	}
	acct, err := a.AuditLog(ctx, store.AuditQuery{AccountID: 1})
	if err != nil || len(acct) != 2 || acct[0].ID != ids[2] || acct[1].ID != ids[0] {
		t.Errorf("AuditLog(account 1) = %+v, %v", acct, err)
	}
}

// appTestAccountBlock: a block is recorded with who, when and why; the
// account's sites are refused; members left with nothing are locked out
// (not administrators, not members of a live account); unblocking undoes
// all of it.
func appTestAccountBlock(t *testing.T, a store.App) {
	ctx := t.Context()
	f := newStaffFixture(t, a)
	st, err := a.AccountState(ctx, f.annAcct)
	if err != nil || st.Blocked() || st.Deleted() || st.AccountID != f.annAcct {
		t.Fatalf("AccountState(live) = %+v, %v", st, err)
	}
	if _, err := a.AccountState(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccountState(missing) error = %v, want ErrNotFound", err)
	}
	if err := a.BlockAccount(ctx, 999999, f.root.ID, "x", time.Time{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("BlockAccount(missing) error = %v, want ErrNotFound", err)
	}
	at := time.Date(2026, 11, 23, 18, 30, 0, 0, time.UTC)
	if err := a.BlockAccount(ctx, f.annAcct, f.root.ID, "card testing", at); err != nil {
		t.Fatalf("BlockAccount: %v", err)
	}
	st, err = a.AccountState(ctx, f.annAcct)
	if err != nil || !st.BlockedAt.Equal(at) || st.BlockedBy != f.root.ID || st.BlockReason != "card testing" || st.Deleted() {
		t.Errorf("AccountState(blocked) = %+v, %v", st, err)
	}
	refused, err := a.RefusedSites(ctx)
	if want := []store.RefusedSite{{SiteID: f.site.ID, AccountID: f.annAcct}}; err != nil || !slices.Equal(refused, want) {
		t.Errorf("RefusedSites() = %+v, %v; want %+v", refused, err, want)
	}
	// Ann had only this account; Bob has his own; root is staff.
	locked, err := a.LockedOutUsers(ctx)
	if err != nil || !slices.Equal(locked, []int64{f.ann.ID}) {
		t.Errorf("LockedOutUsers() = %v, %v; want [%d]", locked, err, f.ann.ID)
	}
	if err := a.BlockAccount(ctx, f.bobAcct, f.root.ID, "", at); err != nil {
		t.Fatal(err)
	}
	if locked, _ := a.LockedOutUsers(ctx); !slices.Equal(locked, []int64{f.ann.ID, f.bob.ID}) {
		t.Errorf("LockedOutUsers() with both blocked = %v", locked)
	}
	for _, id := range []int64{f.annAcct, f.bobAcct} {
		if err := a.UnblockAccount(ctx, id); err != nil {
			t.Fatalf("UnblockAccount(%d): %v", id, err)
		}
	}
	if err := a.UnblockAccount(ctx, f.annAcct); err != nil {
		t.Errorf("UnblockAccount(not blocked) = %v, want nil", err)
	}
	if st, _ := a.AccountState(ctx, f.annAcct); st.Blocked() || st.BlockReason != "" || st.BlockedBy != 0 {
		t.Errorf("AccountState(unblocked) = %+v", st)
	}
	if refused, _ := a.RefusedSites(ctx); len(refused) != 0 {
		t.Errorf("RefusedSites() after unblock = %+v", refused)
	}
	if locked, _ := a.LockedOutUsers(ctx); len(locked) != 0 {
		t.Errorf("LockedOutUsers() after unblock = %v", locked)
	}
}

// appTestSearchAccounts: by account name, member email and site domain,
// case-insensitively, with LIKE's wildcards taken literally.
func appTestSearchAccounts(t *testing.T, a store.App) {
	ctx := t.Context()
	f := newStaffFixture(t, a)
	ids := func(list []store.AccountSummary) []int64 {
		out := []int64{}
		for _, s := range list {
			out = append(out, s.ID)
		}
		return out
	}
	for _, tc := range []struct {
		q    string
		want []int64
	}{
		{"ANN.EXAMPLE", []int64{f.annAcct}},
		{"bob@", []int64{f.bobAcct, f.annAcct}}, // bob is a member of both
		{"100%", []int64{f.annAcct}},
		{"1_0", []int64{}},
		{"nothing-like-this", []int64{}},
	} {
		got, err := a.SearchAccounts(ctx, tc.q, 10)
		if err != nil || !slices.Equal(ids(got), tc.want) {
			t.Errorf("SearchAccounts(%q) = %v, %v; want %v", tc.q, ids(got), err, tc.want)
		}
	}
	got, err := a.SearchAccounts(ctx, "ann.example", 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("SearchAccounts(ann.example) = %+v, %v", got, err)
	}
	if s := got[0]; s.Name != "Ann 100%" || s.OwnerEmail != "ann@example.com" || s.Sites != 1 || s.Members != 3 || s.CreatedAt.IsZero() || s.State.AccountID != f.annAcct {
		t.Errorf("SearchAccounts(ann.example)[0] = %+v", s)
	}
	all, err := a.SearchAccounts(ctx, "", 2)
	if err != nil || len(all) != 2 || all[0].ID < all[1].ID {
		t.Errorf("SearchAccounts(\"\", 2) = %v, %v; want the 2 newest", ids(all), err)
	}
}

// appTestAccountDeletion: one pending request per account, cancellable;
// approval soft-deletes at once (memberships hidden, sites refused) and
// the hard delete is due only after DestroyAfter; DestroyAccount refuses a
// live account and removes a deleted one with its sites and the users it
// leaves with nothing, keeping staff, other accounts and the audit log.
func appTestAccountDeletion(t *testing.T, a store.App) {
	ctx := t.Context()
	f := newStaffFixture(t, a)
	if _, err := a.RequestAccountDeletion(ctx, store.DeletionRequest{AccountID: 999999, RequestedBy: f.ann.ID}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RequestAccountDeletion(missing account) error = %v, want ErrNotFound", err)
	}
	r, err := a.RequestAccountDeletion(ctx, store.DeletionRequest{AccountID: f.annAcct, RequestedBy: f.ann.ID, Reason: "closing down", Status: "approved"})
	if err != nil || r.ID == 0 || r.Status != store.DeletionPending || r.RequestedAt.IsZero() || r.AccountName != "Ann 100%" {
		t.Fatalf("RequestAccountDeletion = %+v, %v", r, err)
	}
	if _, err := a.RequestAccountDeletion(ctx, store.DeletionRequest{AccountID: f.annAcct, RequestedBy: f.ann.ID}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("RequestAccountDeletion(second pending) error = %v, want ErrConflict", err)
	}
	if err := a.CancelDeletionRequest(ctx, f.annAcct, f.ann.ID, time.Time{}); err != nil {
		t.Fatalf("CancelDeletionRequest: %v", err)
	}
	if err := a.CancelDeletionRequest(ctx, f.annAcct, f.ann.ID, time.Time{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CancelDeletionRequest(none pending) error = %v, want ErrNotFound", err)
	}
	if _, err := a.AccountDeletionRequest(ctx, f.annAcct); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccountDeletionRequest(cancelled) error = %v, want ErrNotFound", err)
	}
	r, err = a.RequestAccountDeletion(ctx, store.DeletionRequest{AccountID: f.annAcct, RequestedBy: f.ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.AccountDeletionRequest(ctx, f.annAcct); err != nil || got.ID != r.ID {
		t.Errorf("AccountDeletionRequest = %+v, %v; want request %d", got, err, r.ID)
	}
	pending, err := a.DeletionRequests(ctx, store.DeletionPending)
	if err != nil || len(pending) != 1 || pending[0].ID != r.ID || pending[0].AccountName != "Ann 100%" || pending[0].RequestedBy != f.ann.ID {
		t.Errorf("DeletionRequests(pending) = %+v, %v", pending, err)
	}
	if all, _ := a.DeletionRequests(ctx, ""); len(all) != 2 || all[0].Status != store.DeletionCancelled || all[0].DecidedAt.IsZero() {
		t.Errorf("DeletionRequests(all) = %+v", all)
	}

	at := time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)
	destroy := at.Add(72 * time.Hour)
	if _, err := a.ApproveAccountDeletion(ctx, r.ID+100, f.root.ID, at, destroy); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ApproveAccountDeletion(no such request) error = %v, want ErrNotFound", err)
	}
	if _, err := a.DestroyAccount(ctx, f.annAcct); !errors.Is(err, store.ErrConflict) {
		t.Errorf("DestroyAccount(live) error = %v, want ErrConflict", err)
	}
	st, err := a.ApproveAccountDeletion(ctx, r.ID, f.root.ID, at, destroy)
	if err != nil || !st.DeletedAt.Equal(at) || !st.DestroyAfter.Equal(destroy) || st.DeletedBy != f.root.ID || st.AccountID != f.annAcct {
		t.Fatalf("ApproveAccountDeletion = %+v, %v", st, err)
	}
	if _, err := a.ApproveAccountDeletion(ctx, r.ID, f.root.ID, at, destroy); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ApproveAccountDeletion(approved already) error = %v, want ErrNotFound", err)
	}
	if _, err := a.RequestAccountDeletion(ctx, store.DeletionRequest{AccountID: f.annAcct, RequestedBy: f.ann.ID}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("RequestAccountDeletion(deleted account) error = %v, want ErrConflict", err)
	}
	// Invisible to members at once.
	if _, err := a.Membership(ctx, f.annAcct, f.bob.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Membership(deleted account) error = %v, want ErrNotFound", err)
	}
	if ms, _ := a.UserMemberships(ctx, f.bob.ID); len(ms) != 1 || ms[0].AccountID != f.bobAcct {
		t.Errorf("UserMemberships(bob) = %+v, want only his own account", ms)
	}
	if refused, _ := a.RefusedSites(ctx); len(refused) != 1 || !refused[0].Deleted || refused[0].SiteID != f.site.ID {
		t.Errorf("RefusedSites() after deletion = %+v", refused)
	}
	if locked, _ := a.LockedOutUsers(ctx); !slices.Equal(locked, []int64{f.ann.ID}) {
		t.Errorf("LockedOutUsers() after deletion = %v, want [%d]", locked, f.ann.ID)
	}
	if due, err := a.AccountsToDestroy(ctx, destroy.Add(-time.Millisecond)); err != nil || len(due) != 0 {
		t.Errorf("AccountsToDestroy(before) = %+v, %v; want none", due, err)
	}
	due, err := a.AccountsToDestroy(ctx, destroy)
	if err != nil || len(due) != 1 || due[0].AccountID != f.annAcct {
		t.Fatalf("AccountsToDestroy(at) = %+v, %v", due, err)
	}
	if _, err := a.AppendAudit(ctx, store.AuditEntry{Action: "account.delete", AccountID: f.annAcct}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateGoal(ctx, store.SiteGoal{SiteID: f.site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}}); err != nil {
		t.Fatal(err)
	}

	d, err := a.DestroyAccount(ctx, f.annAcct)
	if err != nil || d.Sites != 1 || d.Users != 1 {
		t.Fatalf("DestroyAccount = %+v, %v; want 1 site, 1 user (ann)", d, err)
	}
	if _, err := a.AccountByID(ctx, f.annAcct); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccountByID(destroyed) error = %v, want ErrNotFound", err)
	}
	if _, err := a.SiteByID(ctx, f.site.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SiteByID(destroyed account's site) error = %v, want ErrNotFound", err)
	}
	if gs, _ := a.ListGoals(ctx, f.site.ID); len(gs) != 0 {
		t.Errorf("goals of the destroyed site: %+v", gs)
	}
	if _, err := a.UserByID(ctx, f.ann.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByID(ann, left with nothing) error = %v, want ErrNotFound", err)
	}
	for _, u := range []store.User{f.bob, f.root} {
		if _, err := a.UserByID(ctx, u.ID); err != nil {
			t.Errorf("UserByID(%s) after the destroy: %v", u.Email, err)
		}
	}
	if _, err := a.AccountByID(ctx, f.bobAcct); err != nil {
		t.Errorf("bob's own account after the destroy: %v", err)
	}
	if rs, _ := a.DeletionRequests(ctx, ""); len(rs) != 0 {
		t.Errorf("DeletionRequests after the destroy = %+v", rs)
	}
	if log, _ := a.AuditLog(ctx, store.AuditQuery{AccountID: f.annAcct}); len(log) != 1 {
		t.Errorf("audit entries of the destroyed account = %+v, want kept", log)
	}
	if _, err := a.DestroyAccount(ctx, f.annAcct); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DestroyAccount(gone) error = %v, want ErrNotFound", err)
	}
}

// appTestAnnouncements: segments by role, plan and capacity; blocked and
// deleted accounts' members are left out; announcements are recorded.
func appTestAnnouncements(t *testing.T, a store.App) {
	ctx := t.Context()
	f := newStaffFixture(t, a)
	if _, err := a.UpdateBillingProfile(ctx, f.annAcct, func(p *store.BillingProfile) error {
		p.PlanCode, p.Capacity = "growth", store.CapacityLimited
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		seg  store.Segment
		want []string
	}{
		{store.Segment{}, []string{"ann@example.com", "bob@example.com", "root@example.com"}},
		{store.Segment{MinRole: store.RoleOwner}, []string{"ann@example.com", "bob@example.com", "root@example.com"}},
		{store.Segment{MinRole: store.RoleViewer, Plan: "growth"}, []string{"ann@example.com", "bob@example.com", "root@example.com"}},
		{store.Segment{MinRole: store.RoleOwner, Plan: "growth"}, []string{"ann@example.com"}},
		{store.Segment{Plan: "free"}, []string{"bob@example.com", "root@example.com"}},
		{store.Segment{MinRole: store.RoleAdmin, Capacity: store.CapacityLimited}, []string{"ann@example.com"}},
		{store.Segment{Capacity: store.CapacityGrace}, []string{}},
	} {
		got, err := a.AnnouncementRecipients(ctx, tc.seg)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("AnnouncementRecipients(%+v) = %v, %v; want %v", tc.seg, got, err, tc.want)
		}
	}
	if err := a.BlockAccount(ctx, f.annAcct, f.root.ID, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.AnnouncementRecipients(ctx, store.Segment{Plan: "growth"}); len(got) != 0 {
		t.Errorf("AnnouncementRecipients(growth, account blocked) = %v, want none", got)
	}
	first, err := a.CreateAnnouncement(ctx, store.Announcement{Subject: "Maintenance", Body: "Tonight.", Segment: `{"role":"owner"}`, Recipients: 2, SentBy: f.root.ID})
	if err != nil || first.ID == 0 || first.CreatedAt.IsZero() {
		t.Fatalf("CreateAnnouncement = %+v, %v", first, err)
	}
	second, err := a.CreateAnnouncement(ctx, store.Announcement{Subject: "New feature", Body: "Funnels.", Segment: "{}", Recipients: 3})
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.Announcements(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1] != first {
		t.Errorf("Announcements = %+v, %v; want newest first, as stored", list, err)
	}
}

var appStaffTests = []struct {
	name string
	run  func(t *testing.T, a store.App)
}{
	{"AuditLog", appTestAuditLog},
	{"AccountBlock", appTestAccountBlock},
	{"SearchAccounts", appTestSearchAccounts},
	{"AccountDeletion", appTestAccountDeletion},
	{"Announcements", appTestAnnouncements},
}

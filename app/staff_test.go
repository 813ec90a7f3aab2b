package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/store"
)

// staffFixture adds ann, owner of ann.example in her personal account, to
// a test app and turns on the admin's second factor.
func staffFixture(t *testing.T, ta *testApp) (store.User, store.Site) {
	t.Helper()
	ctx := context.Background()
	ann, err := ta.DB.CreateUser(ctx, store.User{Email: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := ta.DB.CreateSite(ctx, store.Site{Domain: "ann.example", TimeZone: "UTC", OwnerID: ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	return ann, site
}

func annEvent(ta *testApp, t *testing.T) response {
	return ta.do(t, "POST", "/api/event", `{"n":"pageview","u":"https://ann.example/","d":"ann.example"}`,
		"Content-Type", "text/plain", "X-Forwarded-For", "203.0.113.9")
}

func wantCode(t *testing.T, what string, r response, status int, code string) {
	t.Helper()
	if r.status != status || code != "" && !strings.Contains(r.body, `"code":"`+code+`"`) {
		t.Errorf("%s = %d %s, want %d %s", what, r.status, r.body, status, code)
	}
}

// TestStaffAdminAPI: staff routes are 404 to others and need staff's
// second factor; staff find accounts with usage, block one (its events get
// 403 account_blocked, its only member cannot sign in, by password or
// key) and unblock it (both restored at once); the owner asks for
// deletion and staff approve it (events 410, sign-in refused, account
// invisible); announcements go to a segment through the outbox; every
// action is in the audit log, newest first, paged.
func TestStaffAdminAPI(t *testing.T) {
	smtp := mailtest.Start(t)
	ta := newTestApp(t, false, "FOOTFALL_SMTP_URL="+smtp.URL(), "FOOTFALL_MAIL_FROM=footfall@example.com")
	ann, site := staffFixture(t, ta)
	annKey := ta.key(t, ann.ID)
	annSession := ta.signIn(t, ann.Email)
	staffH := []string{"Authorization", "Bearer " + ta.admin, "Content-Type", "application/json"}
	acct := fmt.Sprint(site.AccountID)

	wantCode(t, "anonymous search", ta.do(t, "GET", "/api/admin/accounts", ""), 401, "unauthorized")
	wantCode(t, "non-staff search", ta.do(t, "GET", "/api/admin/accounts", "", "Authorization", "Bearer "+annKey), 404, "not_found")
	wantCode(t, "non-staff block", ta.do(t, "POST", "/api/admin/accounts/"+acct+"/block", `{"reason":"x"}`,
		"Authorization", "Bearer "+annKey, "Content-Type", "application/json"), 404, "account_not_found")
	wantCode(t, "staff without two-factor", ta.do(t, "GET", "/api/admin/accounts", "", staffH...), 403, "staff_2fa_required")
	ta.staff2FA(t, "admin@example.com")

	wantCode(t, "event before the block", annEvent(ta, t), 202, "")
	r := ta.do(t, "GET", "/api/admin/accounts?q=ANN.example", "", staffH...)
	var found struct {
		Accounts []staff.AccountRow
	}
	if json.Unmarshal([]byte(r.body), &found) != nil || len(found.Accounts) != 1 {
		t.Fatalf("search = %d %s", r.status, r.body)
	}
	if a := found.Accounts[0]; a.ID != site.AccountID || a.OwnerEmail != "ann@example.com" || a.Sites != 1 || a.Members != 1 || a.Plan != "free" || a.Blocked {
		t.Errorf("search row = %+v", a)
	}
	wantCode(t, "search, bad limit", ta.do(t, "GET", "/api/admin/accounts?limit=0", "", staffH...), 400, "invalid_limit")
	wantCode(t, "detail of a missing account", ta.do(t, "GET", "/api/admin/accounts/999999", "", staffH...), 404, "account_not_found")

	// Block.
	wantCode(t, "block without reason", ta.do(t, "POST", "/api/admin/accounts/"+acct+"/block", `{"reason":"  "}`, staffH...), 400, "invalid_reason")
	wantCode(t, "block, not JSON", ta.do(t, "POST", "/api/admin/accounts/"+acct+"/block", `reason=x`, "Authorization", "Bearer "+ta.admin), 415, "")
	r = ta.do(t, "POST", "/api/admin/accounts/"+acct+"/block", `{"reason":"card testing"}`, staffH...)
	if r.status != 200 || !strings.Contains(r.body, `"blocked":true`) || !strings.Contains(r.body, `"block_reason":"card testing"`) {
		t.Fatalf("block = %d %s", r.status, r.body)
	}
	r = annEvent(ta, t)
	wantCode(t, "event of a blocked account", r, 403, "account_blocked")
	if r.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.body, `"error":"the account of ann.example is blocked`) {
		t.Errorf("blocked event answer: %v %s", r.header, r.body)
	}
	wantCode(t, "blocked owner's sign-in", ta.do(t, "POST", "/api/auth/login", `{"email":"ann@example.com","password":"correct horse battery"}`,
		"Content-Type", "application/json"), 403, "account_blocked")
	wantCode(t, "blocked owner's key", ta.do(t, "GET", "/api/v1/sites", "", "Authorization", "Bearer "+annKey), 403, "account_blocked")
	wantCode(t, "blocked owner's session", ta.do(t, "GET", "/api/auth/me", "", annSession...), 401, "")
	r = ta.do(t, "POST", "/api/admin/accounts/"+acct+"/unblock", ``, staffH...)
	if r.status != 200 || !strings.Contains(r.body, `"blocked":false`) {
		t.Fatalf("unblock = %d %s", r.status, r.body)
	}
	wantCode(t, "event after the unblock", annEvent(ta, t), 202, "")
	annSession = ta.signIn(t, ann.Email)

	// Deletion: the owner asks, staff approve.
	del := "/api/accounts/" + acct + "/deletion"
	wantCode(t, "approve without request", ta.do(t, "POST", "/api/admin/accounts/"+acct+"/approve-deletion", ``, staffH...), 409, "no_deletion_request")
	wantCode(t, "deletion, wrong confirmation", ta.do(t, "POST", del, `{"confirm":"ann"}`, annSession...), 400, "confirmation_mismatch")
	wantCode(t, "deletion by a non-member", ta.do(t, "POST", del, `{"confirm":"ann@example.com"}`, "Authorization", "Bearer "+ta.user, "Content-Type", "application/json"), 404, "account_not_found")
	wantCode(t, "deletion request", ta.do(t, "POST", del, `{"confirm":"ann@example.com","reason":"closing the shop"}`, annSession...), 201, "")
	wantCode(t, "second deletion request", ta.do(t, "POST", del, `{"confirm":"ann@example.com"}`, annSession...), 409, "deletion_requested")
	if r := ta.do(t, "GET", del, "", annSession...); r.status != 200 || !strings.Contains(r.body, `"status":"pending"`) {
		t.Errorf("GET deletion = %d %s", r.status, r.body)
	}
	if r := ta.do(t, "GET", "/api/admin/deletion-requests", "", staffH...); r.status != 200 || !strings.Contains(r.body, `"reason":"closing the shop"`) {
		t.Errorf("pending deletion requests = %d %s", r.status, r.body)
	}
	r = ta.do(t, "POST", "/api/admin/accounts/"+acct+"/approve-deletion", ``, staffH...)
	if r.status != 200 || !strings.Contains(r.body, `"deleted":true`) || !strings.Contains(r.body, `"destroy_after"`) {
		t.Fatalf("approve = %d %s", r.status, r.body)
	}
	wantCode(t, "event of a deleted account", annEvent(ta, t), 410, "account_deleted")
	wantCode(t, "deleted owner's sign-in", ta.do(t, "POST", "/api/auth/login", `{"email":"ann@example.com","password":"correct horse battery"}`,
		"Content-Type", "application/json"), 403, "account_blocked")
	if ms, _ := ta.DB.UserMemberships(context.Background(), ann.ID); len(ms) != 0 {
		t.Errorf("ann still sees %+v", ms)
	}

	// Announcements.
	wantCode(t, "announcement, bad audience", ta.do(t, "POST", "/api/admin/announcements/preview", `{"segment":{"audience":"everyone"}}`, staffH...), 400, "invalid_segment")
	wantCode(t, "announcement, no subject", ta.do(t, "POST", "/api/admin/announcements", `{"subject":"","body":"x"}`, staffH...), 400, "invalid_subject")
	r = ta.do(t, "POST", "/api/admin/announcements/preview", `{"segment":{"audience":"owners"}}`, staffH...)
	if r.status != 200 || !strings.Contains(r.body, `"recipients":2`) { // admin and other; ann's account is deleted
		t.Errorf("preview = %d %s", r.status, r.body)
	}
	wantCode(t, "announcement to an empty segment", ta.do(t, "POST", "/api/admin/announcements",
		`{"subject":"Hi","body":"x","segment":{"plan":"business"}}`, staffH...), 422, "empty_segment")
	r = ta.do(t, "POST", "/api/admin/announcements", `{"subject":"Maintenance tonight","body":"We upgrade at 02:00 UTC.\n\nNothing to do.","segment":{"audience":"owners"}}`, staffH...)
	if r.status != 201 || !strings.Contains(r.body, `"recipients":2`) {
		t.Fatalf("announce = %d %s", r.status, r.body)
	}
	var to []string
	for deadline := time.Now().Add(5 * time.Second); len(to) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		to = to[:0]
		for _, m := range smtp.Messages() {
			if m.Subject == "Maintenance tonight" && len(m.To) == 1 && strings.Contains(m.Text, "Nothing to do.") {
				to = append(to, m.To[0])
			}
		}
	}
	if strings.Join(to, ",") != "admin@example.com,other@example.com" && strings.Join(to, ",") != "other@example.com,admin@example.com" {
		t.Errorf("announcement went to %v, want admin@ and other@ (one message each)", to)
	}

	// The audit log, newest first, paged.
	r = ta.do(t, "GET", "/api/admin/audit?limit=3", "", staffH...)
	var page struct {
		Entries []struct {
			Action     string
			ActorEmail string `json:"actor_email"`
			AccountID  int64  `json:"account_id"`
			Detail     map[string]any
		}
		NextBefore *int64 `json:"next_before"`
	}
	if err := json.Unmarshal([]byte(r.body), &page); err != nil || len(page.Entries) != 3 || page.NextBefore == nil {
		t.Fatalf("audit = %d %s", r.status, r.body)
	}
	var actions []string
	for _, e := range page.Entries {
		actions = append(actions, e.Action)
	}
	r = ta.do(t, "GET", fmt.Sprint("/api/admin/audit?limit=10&before=", *page.NextBefore), "", staffH...)
	json.Unmarshal([]byte(r.body), &page)
	for _, e := range page.Entries {
		actions = append(actions, e.Action)
	}
	want := []string{"announcement.send", "account.delete", "account.deletion_requested", "account.unblock", "account.block"}
	if strings.Join(actions, " ") != strings.Join(want, " ") || page.NextBefore != nil {
		t.Errorf("audit actions = %v (next %v), want %v", actions, page.NextBefore, want)
	}
	if e := page.Entries[len(page.Entries)-1]; e.ActorEmail != "admin@example.com" || e.AccountID != site.AccountID || e.Detail["reason"] != "card testing" {
		t.Errorf("block entry = %+v", e)
	}
	wantCode(t, "audit, bad before", ta.do(t, "GET", "/api/admin/audit?before=x", "", staffH...), 400, "invalid_before")
}

// movingClock is a clock a test sets.
type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movingClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *movingClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// TestAccountHardDelete: an approved deletion leaves everything in place
// until 72 hours have passed; the account_hard_delete run after that
// destroys the account's events in DuckDB and its app rows (site, goals,
// account, the owner left with nothing), keeps others' data, and records
// the destruction in the audit log.
func TestAccountHardDelete(t *testing.T) {
	ta := newTestApp(t, false)
	ctx := context.Background()
	ann, site := staffFixture(t, ta)
	for range 3 {
		wantCode(t, "event", annEvent(ta, t), 202, "")
	}
	wantCode(t, "other site's event", ta.do(t, "POST", "/api/event", `{"n":"pageview","u":"https://example.com/","d":"example.com"}`,
		"Content-Type", "text/plain"), 202, "")
	count := func(id int64) int64 {
		n, err := ta.Events.Count(ctx, id, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for count(site.ID) != 3 || count(ta.site.ID) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("stored %d and %d events, want 3 and 1", count(site.ID), count(ta.site.ID))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := ta.DB.CreateGoal(ctx, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}}); err != nil {
		t.Fatal(err)
	}

	clock := &movingClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	deleter, ok := ta.Events.(store.EventDeleter)
	if !ok {
		t.Fatal("the events store deletes no events")
	}
	svc := staff.New(staff.Config{Store: ta.DB, Events: deleter, Now: clock.Now})
	if _, err := svc.RequestDeletion(ctx, staff.Actor{ID: ann.ID, Email: ann.Email}, site.AccountID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApproveDeletion(ctx, staff.Actor{ID: 1, Email: "admin@example.com"}, site.AccountID); err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{0, time.Hour, 71*time.Hour + 59*time.Minute} {
		clock.Set(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).Add(after))
		if err := svc.HardDelete(ctx); err != nil {
			t.Fatalf("HardDelete at +%v: %v", after, err)
		}
		if n := count(site.ID); n != 3 {
			t.Errorf("at +%v: %d events left, want all 3", after, n)
		}
		if _, err := ta.DB.SiteByID(ctx, site.ID); err != nil {
			t.Errorf("at +%v: site: %v", after, err)
		}
	}
	clock.Set(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	if err := svc.HardDelete(ctx); err != nil {
		t.Fatalf("HardDelete at +72h: %v", err)
	}
	if n := count(site.ID); n != 0 {
		t.Errorf("after the hard delete: %d events left in DuckDB", n)
	}
	if n := count(ta.site.ID); n != 1 {
		t.Errorf("another account's site: %d events, want 1", n)
	}
	for what, err := range map[string]error{
		"site":    func() error { _, err := ta.DB.SiteByID(ctx, site.ID); return err }(),
		"account": func() error { _, err := ta.DB.AccountByID(ctx, site.AccountID); return err }(),
		"owner":   func() error { _, err := ta.DB.UserByID(ctx, ann.ID); return err }(),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after the hard delete: %v, want ErrNotFound", what, err)
		}
	}
	if gs, _ := ta.DB.ListGoals(ctx, site.ID); len(gs) != 0 {
		t.Errorf("goals after the hard delete: %+v", gs)
	}
	if _, err := ta.DB.SiteByID(ctx, ta.site.ID); err != nil {
		t.Errorf("another account's site after the hard delete: %v", err)
	}
	log, err := ta.DB.AuditLog(ctx, store.AuditQuery{AccountID: site.AccountID})
	if err != nil || len(log) != 3 || log[0].Action != "account.destroy" || log[0].ActorID != 0 || !strings.Contains(log[0].Detail, `"ann.example"`) {
		t.Errorf("audit of the destroyed account = %+v, %v", log, err)
	}
	if err := svc.HardDelete(ctx); err != nil {
		t.Errorf("HardDelete with nothing due: %v", err)
	}
}

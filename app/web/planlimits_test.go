package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

// testDirectory answers billing's account questions from the test's
// store, as the app's directory does.
type testDirectory struct{ db *sqlite.Store }

func (d testDirectory) AccountIDs(ctx context.Context) ([]int64, error) {
	accounts, err := d.db.ListAccounts(ctx)
	ids := make([]int64, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	return ids, err
}

func (d testDirectory) AccountSites(ctx context.Context, accountID int64) ([]int64, error) {
	sites, err := d.db.AccountSites(ctx, accountID)
	ids := make([]int64, len(sites))
	for i, s := range sites {
		ids[i] = s.ID
	}
	return ids, err
}

func (d testDirectory) BillingContacts(context.Context, int64) ([]string, error) { return nil, nil }

// setPlan puts an account on a plan, as a webhook would, and drops the
// billing cache the way the webhook handler does.
func (at *accountTest) setPlan(t *testing.T, accountID int64, plan string) {
	t.Helper()
	if _, err := at.db.UpdateBillingProfile(t.Context(), accountID, func(p *store.BillingProfile) error {
		p.PlanCode = plan
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	at.billing.Invalidate(accountID)
}

// wantLimit checks a 402 plan_limit answer naming the limit and the plan.
func (r accountResponse) wantLimit(t *testing.T, call, limit, plan string) {
	t.Helper()
	var body struct{ Error, Code, Limit, Plan string }
	if r.status != http.StatusPaymentRequired || json.Unmarshal([]byte(r.body), &body) != nil ||
		body.Code != "plan_limit" || body.Limit != limit || body.Plan != plan || body.Error == "" {
		t.Fatalf("%s = %d %s, want 402 plan_limit naming limit %q and plan %q", call, r.status, r.body, limit, plan)
	}
}

// TestPlanLimitSites: in hosted mode an account holds the sites its plan
// allows, through the Sites API (which the dashboard uses too); an
// upgrade allows more at once.
func TestPlanLimitSites(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "alice@example.com", "correct horse battery", false)
	alice := at.login(t, "alice@example.com", "correct horse battery")
	at.send(t, req("POST", "/api/v1/sites", `{"domain":"one.example"}`), &alice).want(t, "first site", http.StatusOK, "")
	r := at.send(t, req("POST", "/api/v1/sites", `{"domain":"two.example"}`), &alice)
	r.wantLimit(t, "second site on free", "sites", "free")
	if _, err := at.db.SiteByDomain(t.Context(), "two.example"); err == nil {
		t.Fatal("the refused site was created")
	}
	site, err := at.db.SiteByDomain(t.Context(), "one.example")
	if err != nil {
		t.Fatal(err)
	}
	at.setPlan(t, site.AccountID, "basic")
	at.send(t, req("POST", "/api/v1/sites", `{"domain":"two.example","account_id":"`+strconv.FormatInt(site.AccountID, 10)+`"}`), &alice).
		want(t, "second site on basic", http.StatusOK, "")

	// Self-hosted, no limit.
	self := newAccountTest(t, accountOptions{selfHosted: true})
	self.user(t, "bob@example.com", "correct horse battery", false)
	bob := self.login(t, "bob@example.com", "correct horse battery")
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		self.send(t, req("POST", "/api/v1/sites", `{"domain":"`+d+`"}`), &bob).want(t, "self-hosted site "+d, http.StatusOK, "")
	}
}

// TestPlanLimitMembers: members and pending invitations count against the
// plan's team size; inviting the same address again replaces its
// invitation; an invitation accepted after a downgrade is refused before
// any user is created.
func TestPlanLimitMembers(t *testing.T) {
	at, srv := teamsTest(t, true)
	owner := at.user(t, "owner@example.com", "correct horse battery", false)
	ob := at.login(t, "owner@example.com", "correct horse battery")
	ms, err := at.db.UserMemberships(t.Context(), owner.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("owner's accounts: %v %v", ms, err)
	}
	acct := ms[0].AccountID
	path := "/api/accounts/" + strconv.FormatInt(acct, 10) + "/invitations"
	at.send(t, req("POST", path, `{"email":"a@example.com","role":"viewer"}`), &ob).wantLimit(t, "invite on free (1 member)", "members", "free")

	at.setPlan(t, acct, "basic") // 3 members
	token := invite(t, at, srv, &ob, acct, "a@example.com", "viewer")
	invite(t, at, srv, &ob, acct, "b@example.com", "editor")
	at.send(t, req("POST", path, `{"email":"c@example.com","role":"viewer"}`), &ob).wantLimit(t, "fourth person on basic", "members", "basic")
	invite(t, at, srv, &ob, acct, "b@example.com", "viewer") // replaces b's: still three

	at.setPlan(t, acct, "free")
	at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`","password":"correct horse battery"}`), nil).
		wantLimit(t, "accept after a downgrade", "members", "free")
	if _, err := at.db.UserByEmail(t.Context(), "a@example.com"); err == nil {
		t.Error("a refused acceptance created the user")
	}
	at.setPlan(t, acct, "basic")
	at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`","password":"correct horse battery"}`), nil).
		want(t, "accept on basic", http.StatusOK, "")
}

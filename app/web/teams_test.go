package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/store"
)

// teamsTest is the HTTP handler with the Teams API, mailing through a real
// SMTP server in the test.
// With saas, hosted mode's plan limits apply (planlimits_test.go).
func teamsTest(t *testing.T, saas ...bool) (*accountTest, *mailtest.Server) {
	t.Helper()
	srv := mailtest.Start(t)
	cfg, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	m := mail.Direct{Transport: mail.NewSMTP(cfg, "localhost"), From: "Footfall <footfall@localhost>"}
	hosted := len(saas) > 0 && saas[0]
	return newAccountTest(t, accountOptions{teamMail: m, selfHosted: !hosted}), srv
}

func decodeBody[T any](t *testing.T, call string, r accountResponse, status int) T {
	t.Helper()
	var v T
	if r.status != status {
		t.Fatalf("%s = %d %s, want %d", call, r.status, r.body, status)
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("%s: %v in %s", call, err, r.body)
	}
	return v
}

var inviteLink = regexp.MustCompile(`/invitation\?token=([A-Za-z0-9_-]+)`)

// invite makes b invite email with role to account, and returns the token
// of the link that arrived by mail.
func invite(t *testing.T, at *accountTest, srv *mailtest.Server, b *browser, account int64, email, role string) string {
	t.Helper()
	before := len(srv.Messages())
	r := at.send(t, req("POST", "/api/accounts/"+strconv.FormatInt(account, 10)+"/invitations", `{"email":"`+email+`","role":"`+role+`"}`), b)
	inv := decodeBody[invitationJSON](t, "invite "+email, r, http.StatusCreated)
	if inv.Email != email || string(inv.Role) != role || inv.URL == "" {
		t.Errorf("invite %s = %+v", email, inv)
	}
	msgs := srv.Wait(t, before+1)
	got := msgs[len(msgs)-1]
	m := inviteLink.FindStringSubmatch(got.Text)
	if len(got.To) != 1 || got.To[0] != email || m == nil {
		t.Fatalf("invitation mail to %v: %q, want a link for %s", got.To, got.Text, email)
	}
	return m[1]
}

// TestTeamsInvitationFlow: an owner invites a new person by mail, who signs
// up through the link although registration is by invitation only; roles
// decide what each member may do; ownership moves to another member.
func TestTeamsInvitationFlow(t *testing.T) {
	at, srv := teamsTest(t)
	ctx := t.Context()
	alice := at.user(t, "alice@example.com", "correct horse battery", false)
	at.user(t, "dave@example.com", "correct horse battery", false)
	site, err := at.db.CreateSite(ctx, store.Site{Domain: "alice.example", TimeZone: "UTC", OwnerID: alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	ab := at.login(t, "alice@example.com", "correct horse battery")
	accs := decodeBody[struct{ Accounts []accountJSON }](t, "GET /api/accounts", at.send(t, req("GET", "/api/accounts", ""), &ab), http.StatusOK)
	if len(accs.Accounts) != 1 || accs.Accounts[0].ID != site.AccountID || accs.Accounts[0].Role != store.RoleOwner {
		t.Fatalf("alice's accounts = %+v, want her personal account (site's %d) as owner", accs.Accounts, site.AccountID)
	}
	acc := strconv.FormatInt(site.AccountID, 10)

	at.send(t, req("POST", "/api/accounts/"+acc+"/invitations", `{"email":"carol@example.com","role":"owner"}`), &ab).want(t, "invite as owner", http.StatusBadRequest, "invalid_role")
	at.send(t, req("POST", "/api/accounts/"+acc+"/invitations", `{"email":"not an address","role":"viewer"}`), &ab).want(t, "invite a non-address", http.StatusBadRequest, "invalid_email")
	token := invite(t, at, srv, &ab, site.AccountID, "carol@example.com", "viewer")

	// What the invitation page shows before accepting.
	info := decodeBody[invitationInfoJSON](t, "look the invitation up", at.send(t, req("POST", "/api/auth/invitations/lookup", `{"token":"`+token+`"}`), nil), http.StatusOK)
	if info.Email != "carol@example.com" || info.Role != store.RoleViewer || info.AccountName == "" || info.AccountExists {
		t.Errorf("invitation lookup = %+v, want carol as viewer of alice's account, no user yet", info)
	}
	at.send(t, req("POST", "/api/auth/invitations/lookup", `{"token":"AAAA"}`), nil).want(t, "look up a wrong token", http.StatusNotFound, "invitation_invalid")
	at.send(t, req("POST", "/api/auth/invitations/lookup", `{"token":`), nil).want(t, "look up with bad JSON", http.StatusBadRequest, "invalid_request")

	// Signing up through the invitation, with registration by invitation only.
	at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`","password":"short"}`), nil).want(t, "accept with a weak password", http.StatusBadRequest, "weak_password")
	at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"AAAA","password":"correct horse battery"}`), nil).want(t, "accept with a wrong token", http.StatusNotFound, "invitation_invalid")
	cb, _ := at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`","password":"correct horse battery"}`), nil).signedIn(t, "accept as a new user", "carol@example.com")
	at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`","password":"correct horse battery"}`), nil).want(t, "accept twice", http.StatusNotFound, "invitation_invalid")
	at.send(t, req("POST", "/api/auth/invitations/lookup", `{"token":"`+token+`"}`), nil).want(t, "look up a used invitation", http.StatusNotFound, "invitation_invalid")

	// A viewer reads, and may not write.
	var list struct{ Sites []siteJSON }
	if r := at.send(t, req("GET", "/api/v1/sites", ""), &cb); r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &list) != nil || len(list.Sites) != 1 {
		t.Errorf("carol (viewer): GET /api/v1/sites = %d %s, want alice.example", r.status, r.body)
	}
	goal := `{"site_id":"alice.example","goal_type":"event","event_name":"Signup"}`
	at.send(t, req("PUT", "/api/v1/sites/goals", goal), &cb).want(t, "carol (viewer): PUT goal", http.StatusForbidden, "forbidden")
	at.send(t, req("GET", "/api/accounts/"+acc+"/members", ""), &cb).want(t, "carol (viewer): members", http.StatusOK, "")
	at.send(t, req("GET", "/api/accounts/"+acc+"/invitations", ""), &cb).want(t, "carol (viewer): invitations", http.StatusForbidden, "forbidden")

	// Promoted to editor: goals, not sites or members.
	carolID := strconv.FormatInt(mustUser(t, at, "carol@example.com").ID, 10)
	at.send(t, req("PUT", "/api/accounts/"+acc+"/members/"+carolID, `{"role":"editor"}`), &ab).want(t, "alice: carol → editor", http.StatusOK, "")
	at.send(t, req("PUT", "/api/v1/sites/goals", goal), &cb).want(t, "carol (editor): PUT goal", http.StatusOK, "")
	at.send(t, req("DELETE", "/api/v1/sites/alice.example", ""), &cb).want(t, "carol (editor): DELETE site", http.StatusForbidden, "forbidden")
	at.send(t, req("POST", "/api/accounts/"+acc+"/invitations", `{"email":"x@example.com","role":"viewer"}`), &cb).want(t, "carol (editor): invite", http.StatusForbidden, "forbidden")
	at.send(t, req("POST", "/api/accounts/"+acc+"/transfer", `{"user_id":`+carolID+`}`), &cb).want(t, "carol (editor): transfer", http.StatusForbidden, "forbidden")

	// An existing user must sign in to accept, and only the invited one may.
	token = invite(t, at, srv, &ab, site.AccountID, "dave@example.com", "admin")
	if info := decodeBody[invitationInfoJSON](t, "look up dave's invitation", at.send(t, req("POST", "/api/auth/invitations/lookup", `{"token":"`+token+`"}`), nil), http.StatusOK); !info.AccountExists {
		t.Errorf("dave's invitation lookup = %+v, want account_exists", info)
	}
	at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`","password":"correct horse battery"}`), nil).want(t, "accept for an existing user, signed out", http.StatusUnauthorized, "sign_in_first")
	at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`"}`), &cb).want(t, "carol accepts dave's invitation", http.StatusForbidden, "invitation_other_email")
	db := at.login(t, "dave@example.com", "correct horse battery")
	joined := decodeBody[accountJSON](t, "dave accepts", at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`"}`), &db), http.StatusOK)
	if joined.ID != site.AccountID || joined.Role != store.RoleAdmin {
		t.Errorf("dave accepts = %+v, want account %d as admin", joined, site.AccountID)
	}

	// Invitations: listed, revoked, and a revoked link is dead.
	token = invite(t, at, srv, &db, site.AccountID, "erin@example.com", "viewer")
	pending := decodeBody[struct{ Invitations []invitationJSON }](t, "list invitations", at.send(t, req("GET", "/api/accounts/"+acc+"/invitations", ""), &ab), http.StatusOK)
	if len(pending.Invitations) != 1 || pending.Invitations[0].Email != "erin@example.com" || pending.Invitations[0].URL != "" {
		t.Fatalf("pending invitations = %+v, want erin's, without its link", pending.Invitations)
	}
	invID := strconv.FormatInt(pending.Invitations[0].ID, 10)
	at.send(t, req("DELETE", "/api/accounts/"+acc+"/invitations/"+invID, ""), &db).want(t, "dave (admin) revokes", http.StatusNoContent, "")
	at.send(t, req("DELETE", "/api/accounts/"+acc+"/invitations/"+invID, ""), &db).want(t, "revoke again", http.StatusNotFound, "invitation_not_found")
	at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"`+token+`","password":"correct horse battery"}`), nil).want(t, "accept a revoked invitation", http.StatusNotFound, "invitation_invalid")

	// Ownership: only the owner hands it over, to a member; then the old
	// owner is an admin and the new one cannot be removed.
	daveID := strconv.FormatInt(mustUser(t, at, "dave@example.com").ID, 10)
	aliceID := strconv.FormatInt(alice.ID, 10)
	at.send(t, req("PUT", "/api/accounts/"+acc+"/members/"+aliceID, `{"role":"viewer"}`), &db).want(t, "dave (admin) demotes the owner", http.StatusConflict, "owner")
	at.send(t, req("POST", "/api/accounts/"+acc+"/transfer", `{"user_id":`+daveID+`}`), &db).want(t, "dave (admin) takes ownership", http.StatusForbidden, "forbidden")
	at.send(t, req("POST", "/api/accounts/"+acc+"/transfer", `{"user_id":999}`), &ab).want(t, "transfer to a stranger", http.StatusBadRequest, "not_a_member")
	at.send(t, req("POST", "/api/accounts/"+acc+"/transfer", `{"user_id":`+daveID+`}`), &ab).want(t, "alice transfers to dave", http.StatusNoContent, "")
	members := decodeBody[struct{ Members []memberJSON }](t, "members", at.send(t, req("GET", "/api/accounts/"+acc+"/members", ""), &ab), http.StatusOK)
	roles := map[string]store.Role{}
	for _, m := range members.Members {
		roles[m.Email] = m.Role
	}
	if roles["alice@example.com"] != store.RoleAdmin || roles["dave@example.com"] != store.RoleOwner || roles["carol@example.com"] != store.RoleEditor {
		t.Errorf("roles after the transfer = %v", roles)
	}
	at.send(t, req("DELETE", "/api/accounts/"+acc+"/members/"+daveID, ""), &ab).want(t, "alice removes the new owner", http.StatusConflict, "owner")
	at.send(t, req("DELETE", "/api/accounts/"+acc+"/members/"+daveID, ""), &db).want(t, "the owner leaves", http.StatusConflict, "owner")
	// Carol (editor) leaves on her own; then the site is gone for her.
	at.send(t, req("DELETE", "/api/accounts/"+acc+"/members/"+carolID, ""), &cb).want(t, "carol leaves", http.StatusNoContent, "")
	at.send(t, req("GET", "/api/v1/sites/alice.example", ""), &cb).want(t, "carol after leaving: GET site", http.StatusNotFound, "site_not_found")

	// A new team account.
	team := decodeBody[accountJSON](t, "POST /api/accounts", at.send(t, req("POST", "/api/accounts", `{"name":"Marketing"}`), &cb), http.StatusCreated)
	if team.Name != "Marketing" || team.Role != store.RoleOwner {
		t.Errorf("POST /api/accounts = %+v", team)
	}
	at.send(t, req("POST", "/api/v1/sites", `{"domain":"mkt.example","account_id":"`+strconv.FormatInt(team.ID, 10)+`"}`), &cb).want(t, "site in the new account", http.StatusOK, "")
	at.send(t, req("POST", "/api/v1/sites", `{"domain":"steal.example","account_id":"`+acc+`"}`), &cb).want(t, "site in an account carol left", http.StatusNotFound, "account_not_found")
	if s, err := at.db.SiteByDomain(ctx, "mkt.example"); err != nil || s.AccountID != team.ID {
		t.Errorf("mkt.example = %+v, %v; want it in account %d", s, err, team.ID)
	}
}

func mustUser(t *testing.T, at *accountTest, email string) store.User {
	t.Helper()
	u, err := at.db.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

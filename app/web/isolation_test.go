package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
)

// bodyObjectRoutes take an account, not in their path but in their body:
// the generated cases send them one too.
var bodyObjectRoutes = map[string]bool{
	"POST /api/v1/sites": true, // account_id
}

// viewerMayWrite lists the object routes that a viewer of the account may
// call with a method that changes something, each with the reason. None
// so far: leaving an account (DELETE of one's own membership) is checked
// in TestTeamsInvitationFlow, and the cases below name the owner.
var viewerMayWrite = map[string]string{}

// TestRoutesTenantIsolation is generated from the route table: every /api/
// route that takes a site, account, member, invitation, goal, funnel,
// shared link, session or key (in its path, or in its body for
// bodyObjectRoutes) is called with alice's objects by bob, a user of
// another account, who must get a 404 (never learning they exist); by
// nobody, who must get a 401; and, when it changes something, by carol, a
// viewer in alice's account, who must get a 403 or a 404. Afterwards
// alice's data must be as it was. A new route is checked without being
// listed; one whose parameter this test cannot fill fails it.
func TestRoutesTenantIsolation(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	ctx := t.Context()
	alice := at.user(t, "alice@example.com", "correct horse battery", false)
	at.user(t, "bob@example.com", "correct horse battery", false)
	carol := at.user(t, "carol@example.com", "correct horse battery", false)
	site, err := at.db.CreateSite(ctx, store.Site{Domain: "alice.example", TimeZone: "UTC", OwnerID: alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := at.db.AddMember(ctx, store.Membership{AccountID: site.AccountID, UserID: carol.ID, Role: store.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	goal, err := at.db.CreateGoal(ctx, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}})
	if err != nil {
		t.Fatal(err)
	}
	funnel, err := at.db.CreateFunnel(ctx, store.Funnel{SiteID: site.ID, Name: "f", Steps: []store.Goal{{Name: "Visit /", Page: "/"}, {Name: "Signup", EventName: "Signup"}}})
	if err != nil {
		t.Fatal(err)
	}
	link, err := at.db.CreateSharedLink(ctx, store.SharedLink{SiteID: site.ID, Slug: "AAAAAAAAAAAAAAAAAAAAAAAA", Name: "public"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := at.db.CreateInvitation(ctx, store.Invitation{AccountID: site.AccountID, Email: "dan@example.com", Role: store.RoleAdmin,
		TokenHash: []byte("0123456789abcdef0123456789abcdef"), ExpiresAt: goal.CreatedAt.Add(invitationTTL), InvitedBy: alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	at.login(t, "alice@example.com", "correct horse battery")
	aliceSessions, err := at.db.ListSessions(ctx, alice.ID)
	if err != nil || len(aliceSessions) != 1 {
		t.Fatalf("alice's sessions: %v, %v", aliceSessions, err)
	}
	_, prefix, hash := auth.NewAPIKey()
	key, err := at.db.CreateAPIKey(ctx, store.APIKey{UserID: alice.ID, Prefix: prefix, Hash: hash, Scopes: store.Scopes})
	if err != nil {
		t.Fatal(err)
	}
	bob := at.login(t, "bob@example.com", "correct horse battery")
	viewer := at.login(t, "carol@example.com", "correct horse battery")

	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	fill := func(path string) (string, bool) {
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if !strings.HasPrefix(p, ":") {
				continue
			}
			v := map[string]string{
				":account_id": id(site.AccountID), ":user_id": id(alice.ID), ":invitation_id": id(inv.ID),
				":site_id": site.Domain, ":goal_id": id(goal.ID), ":funnel_id": id(funnel.ID), ":link_id": id(link.ID),
			}[p]
			if p == ":id" && strings.HasPrefix(path, "/api/auth/sessions/") {
				v = id(aliceSessions[0].ID)
			} else if p == ":id" && strings.HasPrefix(path, "/api/auth/keys/") {
				v = id(key.ID)
			}
			if v == "" {
				return "", false
			}
			parts[i] = v
		}
		return strings.Join(parts, "/") + "?site_id=" + site.Domain, true
	}
	body := `{"site_id":"alice.example","account_id":"` + id(site.AccountID) + `","user_id":` + id(alice.ID) +
		`,"role":"viewer","email":"eve@example.com","domain":"new.example","name":"n","goal_type":"event","event_name":"X",` +
		`"steps":[{"goal_type":"page","page_path":"/"},{"goal_type":"event","event_name":"Signup"}]}`

	checked := 0
	for _, r := range apiRoutes(at.h) {
		route := r.Method + " " + r.Path
		if publicAPI[route] != "" || r.Method == http.MethodOptions {
			continue
		}
		if !strings.Contains(r.Path, "/:") && !strings.HasPrefix(r.Path, "/api/v1/sites/") && !bodyObjectRoutes[route] {
			continue // the user's own things (keys, sessions, accounts list): no one else's id in them
		}
		path, ok := fill(r.Path)
		if !ok {
			t.Errorf("%s: a parameter this test cannot fill: teach fill about it", route)
			continue
		}
		checked++
		if got := at.send(t, req(r.Method, path, body), &bob); got.status != http.StatusNotFound {
			t.Errorf("bob (another account): %s %s = %d %s, want 404", r.Method, path, got.status, got.body)
		}
		if got := at.send(t, req(r.Method, path, body), nil); got.status != http.StatusUnauthorized {
			t.Errorf("anonymous: %s %s = %d %s, want 401", r.Method, path, got.status, got.body)
		}
		if !safeMethod(r.Method) && viewerMayWrite[route] == "" {
			if got := at.send(t, req(r.Method, path, body), &viewer); got.status != http.StatusForbidden && got.status != http.StatusNotFound {
				t.Errorf("carol (viewer): %s %s = %d %s, want 403 or 404", r.Method, path, got.status, got.body)
			}
		}
	}
	if checked < 15 {
		t.Errorf("checked %d routes; the route table seems not to be read", checked)
	}

	// Nothing of alice's changed.
	if s, err := at.db.SiteByDomain(ctx, site.Domain); err != nil || s.AccountID != site.AccountID {
		t.Errorf("alice's site after the calls: %+v, %v", s, err)
	}
	if _, err := at.db.SiteByDomain(ctx, "new.example"); err == nil {
		t.Errorf("a site new.example was created in some account")
	}
	if gs, _ := at.db.ListGoals(ctx, site.ID); len(gs) != 1 {
		t.Errorf("alice's goals after the calls: %v", gs)
	}
	if fs, _ := at.db.ListFunnels(ctx, site.ID); len(fs) != 1 {
		t.Errorf("alice's funnels after the calls: %v", fs)
	}
	if ls, _ := at.db.ListSharedLinks(ctx, site.ID); len(ls) != 1 {
		t.Errorf("alice's shared links after the calls: %v", ls)
	}
	if ms, _ := at.db.Members(ctx, site.AccountID); len(ms) != 2 || ms[0].Role != store.RoleOwner || ms[1].Role != store.RoleViewer {
		t.Errorf("alice's members after the calls: %+v", ms)
	}
	if is, _ := at.db.Invitations(ctx, site.AccountID); len(is) != 1 || is[0].ID != inv.ID {
		t.Errorf("alice's invitations after the calls: %+v", is)
	}
	if ks, _ := at.db.ListAPIKeys(ctx, alice.ID); len(ks) != 1 {
		t.Errorf("alice's keys after the calls: %v", ks)
	}
	if ss, _ := at.db.ListSessions(ctx, alice.ID); len(ss) != 1 {
		t.Errorf("alice's sessions after the calls: %v", ss)
	}
}

package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
)

// publicAPI lists the API routes that answer without a signed-in user or
// an API key, each with the reason. Every other /api/ route must refuse
// anonymous callers; TestRoutesAuthenticate checks them all, read from
// the route table, so a new route is checked without being listed.
var publicAPI = map[string]string{
	"POST /api/event":        "ingestion: the tracker on any page",
	"OPTIONS /api/event":     "CORS preflight",
	"OPTIONS /api/v2/query":  "CORS preflight",
	"OPTIONS /api/v2/funnel": "CORS preflight",
	"GET /api/auth/me":       "says 401 and whether setup is needed",
	"POST /api/auth/setup":   "creates the first user (token or local)",
	"POST /api/auth/login":   "signs in",
	"POST /api/auth/signup":  "creates an account when registration is open",
	"POST /api/auth/logout":  "ends the session if there is one",
	// The emailed token is the credential; signed out, it signs up.
	"POST /api/auth/invitations/accept": "joins an account through an invitation",
	"POST /api/auth/invitations/lookup": "what an invitation is for, to its token's holder",
	"GET /api/billing/plans":            "the plans on sale (hosted mode), for a pricing page",
	// Shared dashboards: the secret link is the credential
	// (TestSharedLinks in package app checks their gate and isolation).
	"GET /api/share/:slug":         "a shared link's name, and its site once unlocked",
	"POST /api/share/:slug/auth":   "a shared link's password",
	"POST /api/share/:slug/query":  "stats of the shared link's site only",
	"POST /api/share/:slug/funnel": "funnels of the shared link's site only",
}

// apiRoutes returns the method and path of every /api/ route of h.
func apiRoutes(h *echo.Echo) []*echo.Route {
	var out []*echo.Route
	for _, r := range h.Routes() {
		if strings.HasPrefix(r.Path, "/api/") {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Method+out[i].Path < out[j].Method+out[j].Path })
	return out
}

// concrete fills a route's parameters with plausible values.
func concrete(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "1"
			if p == ":site_id" {
				parts[i] = "alice.example"
			}
		}
	}
	return strings.Join(parts, "/")
}

// TestRoutesAuthenticate: every /api/ route not public answers 401 to a
// request without credentials, with a malformed key, with an unknown or
// malformed session cookie; and a route that changes something answers
// 403 csrf to a live session without the CSRF token. It runs on every
// route in the table, so a new route cannot skip authentication unnoticed.
func TestRoutesAuthenticate(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "alice@example.com", "correct horse battery", false)
	alice := at.login(t, "alice@example.com", "correct horse battery")
	seen := map[string]bool{}
	checked := 0
	for _, r := range apiRoutes(at.h) {
		key := r.Method + " " + r.Path
		seen[key] = true
		if why := publicAPI[key]; why != "" {
			continue
		}
		checked++
		path := concrete(r.Path)
		body := `{"site_id":"alice.example","domain":"x.example","email":"a@b.example","password":"correct horse battery"}`
		for name, b := range map[string]*browser{
			"no credentials":   nil,
			"malformed cookie": {token: "not-a-token"},
			"unknown session":  {token: "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"},
		} {
			at.send(t, req(r.Method, path, body), b).want(t, key+" with "+name, http.StatusUnauthorized, "unauthorized")
		}
		bad := req(r.Method, path, body)
		bad.Header.Set("Authorization", "Bearer ff_notakey")
		at.send(t, bad, nil).want(t, key+" with a malformed key", http.StatusUnauthorized, "unauthorized")
		if !safeMethod(r.Method) {
			at.send(t, req(r.Method, path, body), &browser{token: alice.token}).want(t, key+" with a session, no CSRF token", http.StatusForbidden, "csrf")
		}
	}
	for key := range publicAPI {
		if !seen[key] {
			t.Errorf("publicAPI names %q, which is not a route", key)
		}
	}
	if checked < 15 {
		t.Errorf("checked %d routes; the route table seems not to be read", checked)
	}
}

// TestRoutesIsolated: a signed-in user gets the same 404 for another
// user's site on every route that takes a site, and for another user's
// session or API key on every route that takes one; and the cases reach
// every route of the table that takes a site or an id (stats routes, which
// need the events store, are checked in app.TestSessionOnStatsAPI).
func TestRoutesIsolated(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	ctx := t.Context()
	alice := at.user(t, "alice@example.com", "correct horse battery", false)
	at.user(t, "bob@example.com", "correct horse battery", false)
	if _, err := at.db.CreateSite(ctx, store.Site{Domain: "alice.example", TimeZone: "UTC", OwnerID: alice.ID}); err != nil {
		t.Fatal(err)
	}
	aliceBrowser := at.login(t, "alice@example.com", "correct horse battery")
	aliceSessions, err := at.db.ListSessions(ctx, alice.ID)
	if err != nil || len(aliceSessions) != 1 {
		t.Fatalf("alice's sessions: %v, %v", aliceSessions, err)
	}
	_, prefix, hash := auth.NewAPIKey()
	aliceKey, err := at.db.CreateAPIKey(ctx, store.APIKey{UserID: alice.ID, Prefix: prefix, Hash: hash})
	if err != nil {
		t.Fatal(err)
	}
	bob := at.login(t, "bob@example.com", "correct horse battery")
	hit := map[string]bool{}
	at.h.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			hit[c.Request().Method+" "+c.Path()] = true
			return next(c)
		}
	})
	for _, tc := range routeCases("alice.example") {
		r := at.send(t, req(tc.method, tc.path, tc.body), &bob)
		r.want(t, "bob: "+tc.method+" "+tc.path, http.StatusNotFound, "site_not_found")
	}
	for _, tc := range []struct{ path, code string }{
		{"/api/auth/sessions/" + strconv.FormatInt(aliceSessions[0].ID, 10), "session_not_found"},
		{"/api/auth/keys/" + strconv.FormatInt(aliceKey.ID, 10), "key_not_found"},
	} {
		at.send(t, req("DELETE", tc.path, ""), &bob).want(t, "bob: DELETE "+tc.path, http.StatusNotFound, tc.code)
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/share/AAAAAAAAAAAAAAAAAAAAAAAA"}, {"POST", "/api/share/AAAAAAAAAAAAAAAAAAAAAAAA/auth"},
		{"POST", "/api/share/AAAAAAAAAAAAAAAAAAAAAAAA/query"}, {"POST", "/api/share/AAAAAAAAAAAAAAAAAAAAAAAA/funnel"},
	} {
		at.send(t, req(tc.method, tc.path, `{"password":"x"}`), &bob).want(t, "bob: "+tc.method+" "+tc.path, http.StatusNotFound, "share_not_found")
	}
	// Billing of alice's account: bob is no member (404), and no staff.
	ms, err := at.db.UserMemberships(ctx, alice.ID)
	if err != nil || len(ms) == 0 {
		t.Fatalf("alice's accounts: %v, %v", ms, err)
	}
	billingPath := "/api/billing/accounts/" + strconv.FormatInt(ms[0].AccountID, 10)
	for _, tc := range []struct{ method, path, code string }{
		{"GET", billingPath, "account_not_found"},
		{"POST", billingPath + "/checkout", "account_not_found"},
		{"POST", billingPath + "/portal", "account_not_found"},
	} {
		at.send(t, req(tc.method, tc.path, `{"plan":"basic"}`), &bob).want(t, "bob: "+tc.method+" "+tc.path, http.StatusNotFound, tc.code)
	}
	adminPath := "/api/admin/billing/accounts/" + strconv.FormatInt(ms[0].AccountID, 10)
	at.send(t, req("POST", adminPath, `{"override_events":1}`), &bob).want(t, "bob: POST "+adminPath, http.StatusNotFound, "account_not_found")
	// The staff admin panel: to bob, who is no staff, alice's account is
	// not there, and nothing of hers changes.
	staffPath := "/api/admin/accounts/" + strconv.FormatInt(ms[0].AccountID, 10)
	for _, tc := range []struct{ method, path string }{
		{"GET", staffPath}, {"POST", staffPath + "/block"}, {"POST", staffPath + "/unblock"}, {"POST", staffPath + "/approve-deletion"},
	} {
		at.send(t, req(tc.method, tc.path, `{"reason":"x"}`), &bob).want(t, "bob: "+tc.method+" "+tc.path, http.StatusNotFound, "account_not_found")
	}
	if st, err := at.db.AccountState(ctx, ms[0].AccountID); err != nil || st.Blocked() || st.Deleted() {
		t.Errorf("alice's account after bob's staff calls: %+v, %v", st, err)
	}
	if status, _ := at.me(t, &aliceBrowser); status != http.StatusOK {
		t.Errorf("alice's session after bob's calls: GET /me = %d, want 200", status)
	}
	if keys, _ := at.db.ListAPIKeys(ctx, alice.ID); len(keys) != 1 {
		t.Errorf("alice's keys after bob's calls: %v", keys)
	}
	for _, r := range apiRoutes(at.h) {
		key := r.Method + " " + r.Path
		// Account routes: TestRoutesTenantIsolation, generated from the table.
		takesObject := strings.HasPrefix(r.Path, "/api/v1/sites/") || strings.Contains(r.Path, "/:") && !strings.HasPrefix(r.Path, "/api/accounts/")
		if takesObject && !hit[key] {
			t.Errorf("route %s takes a site or an id but no isolation case reaches it: add one", key)
		}
	}
}

package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

// sitesTest is the HTTP handler on a real, in-memory app store, with
// three users: alice owns alice.example, bob owns bob.example, root is an
// admin owning nothing.
type sitesTest struct {
	h                  *echo.Echo
	db                 *sqlite.Store
	alice, bob, root   string // API keys
	aliceSite, bobSite store.Site
	aliceUser          store.User
}

func newSitesTest(t *testing.T) *sitesTest {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st := &sitesTest{db: db, h: New(Deps{
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Credentials: db,
		Sites:       db,
		SharedLinks: db,
		Registry:    prometheus.NewRegistry(),
	})}
	user := func(email string, admin bool) (store.User, string) {
		u, err := db.CreateUser(ctx, store.User{Email: email, Admin: admin})
		if err != nil {
			t.Fatal(err)
		}
		key, prefix, hash := auth.NewAPIKey()
		if _, err := db.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Prefix: prefix, Hash: hash, Scopes: store.Scopes}); err != nil {
			t.Fatal(err)
		}
		return u, key
	}
	var bob store.User
	st.aliceUser, st.alice = user("alice@example.com", false)
	bob, st.bob = user("bob@example.com", false)
	_, st.root = user("root@example.com", true)
	if st.aliceSite, err = db.CreateSite(ctx, store.Site{Domain: "alice.example", TimeZone: "Europe/Berlin", OwnerID: st.aliceUser.ID}); err != nil {
		t.Fatal(err)
	}
	if st.bobSite, err = db.CreateSite(ctx, store.Site{Domain: "bob.example", TimeZone: "UTC", OwnerID: bob.ID}); err != nil {
		t.Fatal(err)
	}
	return st
}

type sitesResponse struct {
	status int
	body   string
}

// do sends a request with key as Bearer ("" for none) and a JSON body
// (none when body is "").
func (st *sitesTest) do(t *testing.T, key, method, path, body string) sitesResponse {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return st.send(t, key, req)
}

func (st *sitesTest) send(t *testing.T, key string, req *http.Request) sitesResponse {
	t.Helper()
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	st.h.ServeHTTP(rec, req)
	return sitesResponse{rec.Code, rec.Body.String()}
}

// want fails unless the answer has the status and, for errors, a JSON
// {error, code} body with the code.
func (r sitesResponse) want(t *testing.T, call string, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s = %d %s, want %d", call, r.status, r.body, status)
		return
	}
	if status < 300 {
		return
	}
	var e struct{ Error, Code string }
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Error == "" || e.Code != code {
		t.Errorf("%s: body %s, want {\"error\": …, \"code\": %q}", call, r.body, code)
	}
}

// decode unmarshals a 2xx answer into v.
func (r sitesResponse) decode(t *testing.T, call string, v any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s = %d %s, want 200", call, r.status, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("%s: %v in %s", call, err, r.body)
	}
}

// routeCases are one request per Sites API route against site, for the
// authentication and isolation tests.
func routeCases(site string) []struct{ method, path, body string } {
	return []struct{ method, path, body string }{
		{"GET", "/api/v1/sites/" + site, ""},
		{"DELETE", "/api/v1/sites/" + site, ""},
		{"GET", "/api/v1/sites/goals?site_id=" + site, ""},
		{"PUT", "/api/v1/sites/goals", `{"site_id":"` + site + `","goal_type":"event","event_name":"Signup"}`},
		{"DELETE", "/api/v1/sites/goals/1", `{"site_id":"` + site + `"}`},
		{"DELETE", "/api/v1/sites/goals/1?site_id=" + site, ""},
		{"GET", "/api/v1/sites/funnels?site_id=" + site, ""},
		{"PUT", "/api/v1/sites/funnels", `{"site_id":"` + site + `","name":"f","steps":[{"goal_type":"page","page_path":"/"},{"goal_type":"event","event_name":"Signup"}]}`},
		{"DELETE", "/api/v1/sites/funnels/1", `{"site_id":"` + site + `"}`},
		{"GET", "/api/v1/sites/" + site + "/shared-links", ""},
		{"POST", "/api/v1/sites/" + site + "/shared-links", `{"name":"Board"}`},
		{"DELETE", "/api/v1/sites/" + site + "/shared-links/1", ""},
		{"PUT", "/api/v1/sites/" + site, `{"timezone":"Asia/Tokyo"}`},
		{"DELETE", "/api/v1/sites/" + site + "/events", ""},
	}
}

func TestSitesAPIAuth(t *testing.T) {
	st := newSitesTest(t)
	cases := append(routeCases("alice.example"),
		struct{ method, path, body string }{"GET", "/api/v1/sites", ""},
		struct{ method, path, body string }{"POST", "/api/v1/sites", `{"domain":"new.example"}`})
	for _, key := range []string{"", "not-a-key", "ff_" + strings.Repeat("a", 40)} {
		for _, tc := range cases {
			st.do(t, key, tc.method, tc.path, tc.body).want(t, tc.method+" "+tc.path+" with key "+key, http.StatusUnauthorized, "unauthorized")
		}
	}
	if _, err := st.db.SiteByDomain(t.Context(), "alice.example"); err != nil {
		t.Errorf("alice.example after unauthorised calls: %v", err)
	}
}

// TestSitesTenantIsolation: bob's key gets the same 404 for alice's site
// on every route as for a site that does not exist, and changes nothing.
func TestSitesTenantIsolation(t *testing.T) {
	st := newSitesTest(t)
	ctx := t.Context()
	goal, err := st.db.CreateGoal(ctx, store.SiteGoal{SiteID: st.aliceSite.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}})
	if err != nil {
		t.Fatal(err)
	}
	funnel, err := st.db.CreateFunnel(ctx, store.Funnel{SiteID: st.aliceSite.ID, Name: "f",
		Steps: []store.Goal{{Name: "Visit /", Page: "/"}, {Name: "Signup", EventName: "Signup"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"alice.example", "missing.example"} {
		for _, tc := range routeCases(site) {
			r := st.do(t, st.bob, tc.method, tc.path, tc.body)
			r.want(t, "bob: "+tc.method+" "+tc.path, http.StatusNotFound, "site_not_found")
			if site == "alice.example" && strings.Contains(r.body, "Signup") {
				t.Errorf("bob: %s %s leaks alice's data: %s", tc.method, tc.path, r.body)
			}
		}
	}
	// Naming his own site does not reach alice's goal or funnel either.
	st.do(t, st.bob, "DELETE", "/api/v1/sites/goals/"+itoa(int(goal.ID)), `{"site_id":"bob.example"}`).
		want(t, "bob: DELETE alice's goal through bob.example", http.StatusNotFound, "goal_not_found")
	st.do(t, st.bob, "DELETE", "/api/v1/sites/funnels/"+itoa(int(funnel.ID)), `{"site_id":"bob.example"}`).
		want(t, "bob: DELETE alice's funnel through bob.example", http.StatusNotFound, "funnel_not_found")
	var list struct{ Sites []siteJSON }
	st.do(t, st.bob, "GET", "/api/v1/sites", "").decode(t, "bob: GET /api/v1/sites", &list)
	if diff := cmp.Diff([]siteJSON{{"bob.example", "UTC"}}, list.Sites); diff != "" {
		t.Errorf("bob: GET /api/v1/sites (-want +got):\n%s", diff)
	}

	if _, err := st.db.SiteByDomain(ctx, "alice.example"); err != nil {
		t.Errorf("alice.example after bob's calls: %v", err)
	}
	goals, _ := st.db.ListGoals(ctx, st.aliceSite.ID)
	funnels, _ := st.db.ListFunnels(ctx, st.aliceSite.ID)
	if len(goals) != 1 || len(funnels) != 1 {
		t.Errorf("alice's goals, funnels after bob's calls = %v, %v; want them untouched", goals, funnels)
	}

	// The owner and an admin do see the site.
	for who, key := range map[string]string{"alice": st.alice, "root": st.root} {
		var got siteJSON
		st.do(t, key, "GET", "/api/v1/sites/alice.example", "").decode(t, who+": GET /api/v1/sites/alice.example", &got)
		if got != (siteJSON{"alice.example", "Europe/Berlin"}) {
			t.Errorf("%s: GET /api/v1/sites/alice.example = %+v", who, got)
		}
	}
}

func TestSitesCreateGetDelete(t *testing.T) {
	st := newSitesTest(t)
	var created siteJSON
	st.do(t, st.alice, "POST", "/api/v1/sites", `{"domain":"https://www.New.Example/","timezone":"Asia/Tokyo"}`).
		decode(t, "POST /api/v1/sites", &created)
	if created != (siteJSON{"new.example", "Asia/Tokyo"}) {
		t.Errorf("POST /api/v1/sites = %+v, want new.example in Asia/Tokyo", created)
	}
	s, err := st.db.SiteByDomain(t.Context(), "new.example")
	if err != nil || s.OwnerID != st.aliceUser.ID {
		t.Errorf("stored site = %+v, %v; want owned by alice (%d)", s, err, st.aliceUser.ID)
	}
	var defaulted siteJSON
	st.do(t, st.alice, "POST", "/api/v1/sites", `{"domain":"utc.example"}`).decode(t, "POST without timezone", &defaulted)
	if defaulted.TimeZone != "UTC" {
		t.Errorf("POST without timezone: timezone %q, want UTC", defaulted.TimeZone)
	}

	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"domain":"new.example"}`, http.StatusConflict, "site_exists"},
		{`{"domain":"bob.example"}`, http.StatusConflict, "site_exists"},
		{`{"domain":"not a domain"}`, http.StatusBadRequest, "invalid_site"},
		{`{"domain":""}`, http.StatusBadRequest, "invalid_site"},
		{`{"domain":"ok.example","timezone":"Mars/Olympus"}`, http.StatusBadRequest, "invalid_site"},
		{`{"domain":42}`, http.StatusBadRequest, "invalid_request"},
		{`{`, http.StatusBadRequest, "invalid_request"},
		{`{"domain":"` + strings.Repeat("a", sitesMaxBody) + `.example"}`, http.StatusRequestEntityTooLarge, "body_too_large"},
	} {
		st.do(t, st.alice, "POST", "/api/v1/sites", tc.body).want(t, "POST /api/v1/sites "+tc.body[:min(len(tc.body), 60)], tc.status, tc.code)
	}

	var got siteJSON
	st.do(t, st.alice, "GET", "/api/v1/sites/new.example", "").decode(t, "GET /api/v1/sites/new.example", &got)
	if got != created {
		t.Errorf("GET /api/v1/sites/new.example = %+v, want %+v", got, created)
	}
	var del map[string]bool
	st.do(t, st.alice, "DELETE", "/api/v1/sites/new.example", "").decode(t, "DELETE /api/v1/sites/new.example", &del)
	if !del["deleted"] {
		t.Errorf("DELETE /api/v1/sites/new.example = %v, want {deleted: true}", del)
	}
	st.do(t, st.alice, "GET", "/api/v1/sites/new.example", "").want(t, "GET after DELETE", http.StatusNotFound, "site_not_found")
	st.do(t, st.alice, "DELETE", "/api/v1/sites/new.example", "").want(t, "DELETE again", http.StatusNotFound, "site_not_found")
}

func TestSitesListPages(t *testing.T) {
	st := newSitesTest(t)
	for _, d := range []string{"c.example", "a.example", "b.example"} {
		st.do(t, st.alice, "POST", "/api/v1/sites", `{"domain":"`+d+`"}`).want(t, "POST "+d, http.StatusOK, "")
	}
	type page struct {
		Sites []siteJSON
		Meta  struct {
			After *string
			Limit int
		}
	}
	var domains []string
	path := "/api/v1/sites?limit=2"
	for range 5 {
		var p page
		st.do(t, st.alice, "GET", path, "").decode(t, "GET "+path, &p)
		if len(p.Sites) > 2 || p.Meta.Limit != 2 {
			t.Fatalf("GET %s = %+v, want at most 2 sites and limit 2", path, p)
		}
		for _, s := range p.Sites {
			domains = append(domains, s.Domain)
		}
		if p.Meta.After == nil {
			break
		}
		path = "/api/v1/sites?limit=2&after=" + *p.Meta.After
	}
	if want := []string{"alice.example", "c.example", "a.example", "b.example"}; !cmp.Equal(domains, want) {
		t.Errorf("alice's pages = %v, want %v (her sites only, by creation)", domains, want)
	}
	var all page
	st.do(t, st.root, "GET", "/api/v1/sites", "").decode(t, "root: GET /api/v1/sites", &all)
	if len(all.Sites) != 5 || all.Meta.After != nil || all.Meta.Limit != 100 {
		t.Errorf("root: GET /api/v1/sites = %+v, want all 5 sites on one page of 100", all)
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "after=x"} {
		st.do(t, st.alice, "GET", "/api/v1/sites?"+q, "").want(t, "GET /api/v1/sites?"+q, http.StatusBadRequest, "invalid_request")
	}
}

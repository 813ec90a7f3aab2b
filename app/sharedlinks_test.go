package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/store"
)

// TestSharedLinks: an owner makes a shared link; the link reads its own
// site's stats without an account and never another site's; a password
// gates it until given; only embeds may be framed; revoking ends it.
func TestSharedLinks(t *testing.T) {
	ta := newTestApp(t, true)
	ctx := t.Context()
	otherUser, err := ta.DB.UserByEmail(ctx, "other@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.DB.CreateSite(ctx, store.Site{Domain: "other.example", TimeZone: "UTC", OwnerID: otherUser.ID}); err != nil {
		t.Fatal(err)
	}
	admin := []string{"Authorization", "Bearer " + ta.admin, "Content-Type", "application/json"}
	other := []string{"Authorization", "Bearer " + ta.user, "Content-Type", "application/json"}
	type link struct {
		ID                int64
		Name, Slug, URL   string
		PasswordProtected bool `json:"password_protected"`
	}
	create := func(body string) link {
		t.Helper()
		r := ta.do(t, "POST", "/api/v1/sites/example.com/shared-links", body, admin...)
		var l link
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &l) != nil || len(l.Slug) != 24 {
			t.Fatalf("create shared link %s = %d %s", body, r.status, r.body)
		}
		return l
	}
	open := create(`{"name":"Public"}`)
	locked := create(`{"name":"Board","password":"correct horse battery"}`)
	if !strings.HasSuffix(open.URL, "/share/"+open.Slug) || open.PasswordProtected || !locked.PasswordProtected {
		t.Errorf("links = %+v, %+v", open, locked)
	}

	// Management is the site owner's (or staff's) alone.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/sites/example.com/shared-links", ""},
		{"POST", "/api/v1/sites/example.com/shared-links", `{"name":"Mine"}`},
		{"DELETE", "/api/v1/sites/example.com/shared-links/1", ""},
	} {
		if r := ta.do(t, c.method, c.path, c.body, other...); r.status != http.StatusNotFound || !strings.Contains(r.body, "site_not_found") {
			t.Errorf("another user: %s %s = %d %s, want 404 site_not_found", c.method, c.path, r.status, r.body)
		}
	}
	for _, c := range []struct {
		body string
		want int
	}{{`{"name":""}`, 400}, {`{"name":"Public"}`, 409}, {`{"name":` + `"` + strings.Repeat("x", 101) + `"}`, 400}, {`[`, 400}} {
		if r := ta.do(t, "POST", "/api/v1/sites/example.com/shared-links", c.body, admin...); r.status != c.want || !strings.Contains(r.body, `"error"`) {
			t.Errorf("create %s = %d %s, want %d with an error", c.body, r.status, r.body, c.want)
		}
	}
	if r := ta.do(t, "GET", "/api/v1/sites/example.com/shared-links", "", admin...); r.status != http.StatusOK ||
		!strings.Contains(r.body, open.Slug) || !strings.Contains(r.body, locked.Slug) || strings.Contains(r.body, "argon2") {
		t.Errorf("list = %d %s", r.status, r.body)
	}

	// The open link reads its site, without any credentials, and nothing
	// else: another site answers as a missing one.
	q := func(site string) string {
		return `{"site_id":"` + site + `","metrics":["visitors"],"date_range":"all"}`
	}
	plain := []string{"Content-Type", "application/json"}
	if r := ta.do(t, "GET", "/api/share/"+open.Slug, ""); r.status != http.StatusOK || !strings.Contains(r.body, `"domain":"example.com"`) {
		t.Errorf("GET share info = %d %s", r.status, r.body)
	}
	if r := ta.do(t, "POST", "/api/share/"+open.Slug+"/query", q("example.com"), plain...); r.status != http.StatusOK {
		t.Errorf("share query of its site = %d %s, want 200", r.status, r.body)
	}
	for _, site := range []string{"other.example", "nosuch.example"} {
		if r := ta.do(t, "POST", "/api/share/"+open.Slug+"/query", q(site), plain...); r.status != http.StatusNotFound || !strings.Contains(r.body, "site_not_found") {
			t.Errorf("share query of %s = %d %s, want 404 site_not_found", site, r.status, r.body)
		}
		if r := ta.do(t, "POST", "/api/share/"+open.Slug+"/funnel", `{"site_id":"`+site+`","date_range":"all","steps":[{"page_path":"/"},{"event_name":"Signup"}]}`, plain...); r.status != http.StatusNotFound {
			t.Errorf("share funnel of %s = %d %s, want 404", site, r.status, r.body)
		}
	}
	if r := ta.do(t, "POST", "/api/share/"+open.Slug+"/query", `{"site_id":`, plain...); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"error"`) {
		t.Errorf("share query with a broken body = %d %s, want 400", r.status, r.body)
	}
	// The share's API does not open the owner's APIs.
	if r := ta.do(t, "POST", "/api/v2/query", q("example.com"), plain...); r.status != http.StatusUnauthorized {
		t.Errorf("stats API without credentials = %d, want 401", r.status)
	}

	// The password gate holds until the password is given, and the cookie
	// it earns opens that link only.
	info := ta.do(t, "GET", "/api/share/"+locked.Slug, "")
	if info.status != http.StatusOK || !strings.Contains(info.body, `"password_required":true`) || strings.Contains(info.body, "example.com") {
		t.Errorf("locked share info = %d %s; want the password asked for and the site not named", info.status, info.body)
	}
	if r := ta.do(t, "POST", "/api/share/"+locked.Slug+"/query", q("example.com"), plain...); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "password_required") {
		t.Errorf("locked share query = %d %s, want 401 password_required", r.status, r.body)
	}
	if r := ta.do(t, "POST", "/api/share/"+locked.Slug+"/auth", `{"password":"wrong"}`, plain...); r.status != http.StatusUnauthorized {
		t.Errorf("wrong password = %d %s, want 401", r.status, r.body)
	}
	r := ta.do(t, "POST", "/api/share/"+locked.Slug+"/auth", `{"password":"correct horse battery"}`, plain...)
	cookie := r.header.Get("Set-Cookie")
	if r.status != http.StatusOK || !strings.Contains(cookie, "Path=/api/share/"+locked.Slug) || !strings.Contains(cookie, "HttpOnly") {
		t.Fatalf("right password = %d %s, cookie %q", r.status, r.body, cookie)
	}
	value := strings.SplitN(cookie, ";", 2)[0]
	withCookie := append(plain[:2:2], "Cookie", value)
	if r := ta.do(t, "POST", "/api/share/"+locked.Slug+"/query", q("example.com"), withCookie...); r.status != http.StatusOK {
		t.Errorf("locked share query with the cookie = %d %s, want 200", r.status, r.body)
	}
	if r := ta.do(t, "POST", "/api/share/"+locked.Slug+"/query", q("other.example"), withCookie...); r.status != http.StatusNotFound {
		t.Errorf("unlocked share query of another site = %d %s, want 404", r.status, r.body)
	}
	forged := append(plain[:2:2], "Cookie", "footfall_share=9999999999.AAAA")
	if r := ta.do(t, "POST", "/api/share/"+locked.Slug+"/query", q("example.com"), forged...); r.status != http.StatusUnauthorized {
		t.Errorf("locked share query with a forged cookie = %d, want 401", r.status)
	}
	locked2 := create(`{"name":"Board 2","password":"correct horse battery"}`)
	if r := ta.do(t, "POST", "/api/share/"+locked2.Slug+"/query", q("example.com"), withCookie...); r.status != http.StatusUnauthorized {
		t.Errorf("another link with the first link's cookie = %d, want 401", r.status)
	}

	// Only embeds may be framed; no shared page sends a Referer.
	page := ta.do(t, "GET", "/share/"+open.Slug, "")
	if page.status != http.StatusOK || page.header.Get("X-Frame-Options") != "DENY" || !strings.Contains(page.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		page.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("share page = %d, headers %v", page.status, page.header)
	}
	embed := ta.do(t, "GET", "/share/"+open.Slug+"?embed=true&theme=dark", "")
	if embed.status != http.StatusOK || embed.header.Get("X-Frame-Options") != "" || !strings.Contains(embed.header.Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Errorf("embed page = %d, headers %v", embed.status, embed.header)
	}
	if r := ta.do(t, "GET", "/", ""); !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("the dashboard's own page may be framed after an embed was served: %v", r.header)
	}

	// Unknown and malformed slugs, and revoked links, are gone.
	for _, slug := range []string{"AAAAAAAAAAAAAAAAAAAAAAAA", "short", "..%2F..%2Fetc", strings.Repeat("x", 500)} {
		if r := ta.do(t, "GET", "/api/share/"+slug, ""); r.status != http.StatusNotFound || !strings.Contains(r.body, "share_not_found") {
			t.Errorf("GET /api/share/%s = %d %s, want 404 share_not_found", slug, r.status, r.body)
		}
	}
	if r := ta.do(t, "DELETE", "/api/v1/sites/example.com/shared-links/x", "", admin...); r.status != http.StatusBadRequest {
		t.Errorf("delete with a bad id = %d, want 400", r.status)
	}
	if r := ta.do(t, "DELETE", "/api/v1/sites/example.com/shared-links/"+jsonInt(open.ID), "", admin...); r.status != http.StatusOK {
		t.Errorf("delete = %d %s", r.status, r.body)
	}
	if r := ta.do(t, "POST", "/api/share/"+open.Slug+"/query", q("example.com"), plain...); r.status != http.StatusNotFound {
		t.Errorf("query of a revoked link = %d, want 404", r.status)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

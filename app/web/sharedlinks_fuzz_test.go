package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
)

// fuzzShareSlug names the password-protected link of FuzzShareCookie.
const fuzzShareSlug = "BBBBBBBBBBBBBBBBBBBBBBBB"

// FuzzShareCookie sends arbitrary Cookie headers to a password-protected
// shared link's info (GET /api/share/:slug) and stats
// (POST /api/share/:slug/query). "VALID" in the input stands for the
// cookie value the right password earned in this run (it holds an
// expiry, so the committed corpus cannot spell it). The link is unlocked
// exactly when the request's footfall_share cookie, as net/http reads it,
// is that value; a locked link's stats call is refused with 401
// password_required. Never a 500.
func FuzzShareCookie(f *testing.F) {
	at := newAccountTest(f, accountOptions{})
	ctx := f.Context()
	owner := at.user(f, "ada@example.com", "correct horse battery", false)
	site, err := at.db.CreateSite(ctx, store.Site{Domain: "ada.example", TimeZone: "UTC", OwnerID: owner.ID})
	if err != nil {
		f.Fatal(err)
	}
	hash, err := auth.HashPassword("open sesame")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := at.db.CreateSharedLink(ctx, store.SharedLink{SiteID: site.ID, Slug: fuzzShareSlug, Name: "board", PasswordHash: hash}); err != nil {
		f.Fatal(err)
	}
	res := at.send(f, req("POST", "/api/share/"+fuzzShareSlug+"/auth", `{"password":"open sesame"}`), nil)
	var valid string
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == shareCookie {
			valid = c.Value
		}
	}
	if res.status != http.StatusOK || valid == "" {
		f.Fatalf("auth = %d %s, headers %v", res.status, res.body, res.header)
	}
	f.Add(shareCookie + "=VALID")
	f.Fuzz(func(t *testing.T, header string) {
		header = strings.ReplaceAll(header, "VALID", valid)
		probe := &http.Request{Header: http.Header{"Cookie": {header}}}
		c, err := probe.Cookie(shareCookie)
		unlocked := err == nil && c.Value == valid

		r := req("GET", "/api/share/"+fuzzShareSlug, "")
		r.Header.Set("Cookie", header)
		info := at.send(t, r, nil)
		var got struct {
			Unlocked bool `json:"unlocked"`
		}
		if info.status != http.StatusOK || json.Unmarshal([]byte(info.body), &got) != nil || got.Unlocked != unlocked {
			t.Fatalf("cookie %q: info = %d %s, want 200 with unlocked %v", header, info.status, info.body, unlocked)
		}
		if unlocked {
			return
		}
		r = req("POST", "/api/share/"+fuzzShareSlug+"/query", `{"site_id":"ada.example","metrics":["visitors"],"date_range":"day"}`)
		r.Header.Set("Cookie", header)
		at.send(t, r, nil).want(t, "query with cookie "+header, http.StatusUnauthorized, "password_required")
	})
}

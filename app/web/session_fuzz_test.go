package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
)

// The one live session of FuzzSessionRequest, fixed so the committed seed
// corpus can name it.
const (
	fuzzToken = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"
	fuzzCSRF  = "ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5_gIGCg4Q"
)

// FuzzSessionRequest sends arbitrary Cookie and X-CSRF-Token headers to a
// read (GET /api/auth/me) and a write (DELETE /api/auth/sessions/…) of a
// store holding one live session. Whatever the headers, the answer is
// 200/404 exactly when the request's footfall_session cookie (as net/http
// reads it) is that session's token and, for the write, the CSRF header is
// its token; 403 csrf when only the CSRF token is wrong; else 401. Never a
// 500.
func FuzzSessionRequest(f *testing.F) {
	at := newAccountTest(f, accountOptions{})
	u := at.user(f, "ada@example.com", "correct horse battery", false)
	if _, err := at.db.CreateSession(f.Context(), store.Session{UserID: u.ID, TokenHash: auth.HashSessionToken(fuzzToken),
		CSRFToken: fuzzCSRF, ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
		f.Fatal(err)
	}
	f.Add("footfall_session="+fuzzToken, fuzzCSRF)
	f.Fuzz(func(t *testing.T, cookie, csrf string) {
		probe := &http.Request{Header: http.Header{"Cookie": {cookie}}}
		c, err := probe.Cookie(sessionCookie)
		valid := err == nil && c.Value == fuzzToken
		for _, tc := range []struct {
			method, path string
			ok           int
		}{
			{"GET", "/api/auth/me", http.StatusOK},
			{"DELETE", "/api/auth/sessions/999999", http.StatusNotFound},
		} {
			r := req(tc.method, tc.path, "")
			r.Header.Set("Cookie", cookie)
			r.Header.Set(csrfHeader, csrf)
			res := at.send(t, r, nil)
			want, code := http.StatusUnauthorized, "unauthorized"
			switch {
			case valid && (tc.method == "GET" || csrf == fuzzCSRF):
				want, code = tc.ok, "session_not_found"
			case valid:
				want, code = http.StatusForbidden, "csrf"
			}
			res.want(t, tc.method+" "+tc.path, want, code)
		}
	})
}

// FuzzLogin posts arbitrary bodies to POST /api/auth/login for an
// instance with one account: the answer is 200 exactly when the body is a
// JSON object naming that account (any case, surrounding spaces) with its
// password, 4xx otherwise, never a 500. Every body that decodes costs an
// argon2 hash, which coverage instrumentation slows a lot: the fuzzer
// crawls here, and the committed corpus (odd JSON: duplicate and
// differently cased keys, NUL bytes, trailing data) carries the weight.
func FuzzLogin(f *testing.F) {
	at := newAccountTest(f, accountOptions{})
	at.user(f, "ada@example.com", "correct horse battery", false)
	f.Add(`{"email":"ada@example.com","password":"correct horse battery"}`)
	f.Fuzz(func(t *testing.T, body string) {
		res := at.send(t, req("POST", "/api/auth/login", body), nil)
		var in struct {
			Email    string `json:"email"`
			Password string `json:"password"`
		}
		right := json.Unmarshal([]byte(body), &in) == nil &&
			strings.ToLower(strings.TrimSpace(in.Email)) == "ada@example.com" && in.Password == "correct horse battery"
		switch {
		case res.status >= 500:
			t.Fatalf("login %q = %d %s", body, res.status, res.body)
		case right && res.status != http.StatusOK, !right && res.status == http.StatusOK:
			t.Fatalf("login %q = %d %s; right credentials: %v", body, res.status, res.body, right)
		}
	})
}

package web

import (
	"net/http"
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

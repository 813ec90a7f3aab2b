package web

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/memory"
	"github.com/footfallhq/footfall/store/sqlite"
)

const testSecret = "0123456789abcdef0123456789abcdef-test"

// accountTest is the HTTP handler with sign-in on a real, in-memory app
// store; no user exists until a test creates one.
type accountTest struct {
	h      *echo.Echo
	db     *sqlite.Store
	outbox *mail.Outbox // with accountOptions.mail
	// billing is the handler's billing service, to drop its cache after
	// a test changes a plan in db.
	billing *billing.Service
}

type accountOptions struct {
	baseURL string // default http://localhost:8000
	limited bool   // rate-limit sign-in (an in-process limiter)
	// registration is FOOTFALL_REGISTRATION (default invite).
	registration string
	adminTOTP    bool      // FOOTFALL_ADMIN_2FA=required
	log          io.Writer // where the handler logs; default nowhere
	// mail, when set, sends account mail through an outbox to this SMTP
	// server (accountmail_test.go).
	mail     *mailtest.Server
	teamMail mail.Mailer // where invitations go; default none
	// selfHosted turns billing off (FOOTFALL_MODE=selfhost): no plan
	// limits, for tests that need more than the free plan holds.
	selfHosted bool
}

func newAccountTest(t testing.TB, o accountOptions) *accountTest {
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
	if o.baseURL == "" {
		o.baseURL = "http://localhost:8000"
	}
	if o.log == nil {
		o.log = io.Discard
	}
	d := Deps{
		Logger:       slog.New(slog.NewTextHandler(o.log, nil)),
		Credentials:  db,
		Accounts:     db,
		Sites:        db,
		SharedLinks:  db,
		Teams:        db,
		SecretKey:    testSecret,
		BaseURL:      o.baseURL,
		Registration: o.registration,
		AdminTOTP:    o.adminTOTP,
		Registry:     prometheus.NewRegistry(),
		// httptest's requests come from 192.0.2.1 (TEST-NET-1).
		Locate: func(ip string) string { return map[string]string{"192.0.2.1": "Testville, ZZ"}[ip] },
		// Billing on (no Stripe): its routes are in the table the route
		// tests walk, and plan limits apply (planlimits_test.go) unless
		// the test is about something else (selfHosted).
		Billing: billing.New(billing.Config{Enabled: !o.selfHosted, Store: db, Directory: testDirectory{db}}),
	}
	if o.limited {
		d.Limiter = memory.NewLimiter()
	}
	at := &accountTest{db: db, billing: d.Billing}
	if o.mail != nil {
		at.outbox = testOutbox(t, db, o.mail)
		d.Mail, d.AccountMail, d.MailConfigured = at.outbox, db, true
	}
	if o.teamMail != nil {
		d.Mail = o.teamMail
	}
	// Staff admin panel and deletion requests: their routes are in the
	// table too.
	d.Staff = staff.New(staff.Config{Store: db, Billing: d.Billing, Mailer: d.Mail})
	at.h = New(d)
	return at
}

// user creates a user with a password.
func (at *accountTest) user(t testing.TB, email, password string, admin bool) store.User {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := at.db.CreateUser(t.Context(), store.User{Email: email, PasswordHash: hash, Admin: admin})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type accountResponse struct {
	status int
	header http.Header
	body   string
	cookie *http.Cookie // the footfall_session cookie set, if any
}

// browser is a signed-in client: its session cookie and CSRF token.
type browser struct {
	token, csrf string
}

// req builds a request from a remote (non-loopback) client; body, when not
// empty, is JSON.
func req(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0")
	return r
}

// local makes r come from this machine, as a browser on it would send it.
func local(r *http.Request) *http.Request {
	r.RemoteAddr = "127.0.0.1:50000"
	r.Host = "localhost:8000"
	return r
}

func (at *accountTest) send(t testing.TB, r *http.Request, b *browser) accountResponse {
	t.Helper()
	if b != nil {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: b.token})
		if b.csrf != "" {
			r.Header.Set(csrfHeader, b.csrf)
		}
	}
	rec := httptest.NewRecorder()
	at.h.ServeHTTP(rec, r)
	res := accountResponse{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			res.cookie = c
		}
	}
	return res
}

// want fails unless the answer has the status and, for errors, the code.
func (r accountResponse) want(t testing.TB, call string, status int, code string) {
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

// signedIn checks a 200 answer of setup or login and returns the browser
// it signed in.
func (r accountResponse) signedIn(t testing.TB, call, email string) (browser, meJSON) {
	t.Helper()
	var me meJSON
	if r.status != http.StatusOK {
		t.Fatalf("%s = %d %s, want 200", call, r.status, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), &me); err != nil {
		t.Fatalf("%s: %v in %s", call, err, r.body)
	}
	if me.User.Email != email || me.CSRFToken == "" || me.SetupNeeded {
		t.Errorf("%s = %s, want user %s, a CSRF token, setup_needed false", call, r.body, email)
	}
	if r.cookie == nil || r.cookie.Value == "" {
		t.Fatalf("%s set no %s cookie (Set-Cookie: %q)", call, sessionCookie, r.header.Values("Set-Cookie"))
	}
	return browser{token: r.cookie.Value, csrf: me.CSRFToken}, me
}

func (at *accountTest) login(t testing.TB, email, password string) browser {
	t.Helper()
	b, _ := at.send(t, req("POST", "/api/auth/login", `{"email":"`+email+`","password":"`+password+`"}`), nil).signedIn(t, "login "+email, email)
	return b
}

// meStatus is GET /api/auth/me's status and setup_needed for b (nil: no
// cookie).
func (at *accountTest) me(t testing.TB, b *browser) (int, bool) {
	t.Helper()
	r := at.send(t, req("GET", "/api/auth/me", ""), b)
	var body struct {
		SetupNeeded *bool `json:"setup_needed"`
		Code        string
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || body.SetupNeeded == nil {
		t.Fatalf("GET /api/auth/me = %d %s: want setup_needed in the body", r.status, r.body)
	}
	if r.status == http.StatusUnauthorized && body.Code != "unauthorized" {
		t.Errorf("GET /api/auth/me = %s, want code unauthorized", r.body)
	}
	return r.status, *body.SetupNeeded
}

func TestSetupOnce(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	if status, needed := at.me(t, nil); status != http.StatusUnauthorized || !needed {
		t.Errorf("GET /api/auth/me before setup = %d, setup_needed %v; want 401, true", status, needed)
	}
	r := at.send(t, local(req("POST", "/api/auth/setup", `{"email":"Owner@Example.com","password":"correct horse battery"}`)), nil)
	b, me := r.signedIn(t, "setup", "owner@example.com")
	if !me.User.Admin {
		t.Errorf("setup made %+v, want an admin", me.User)
	}
	if status, _ := at.me(t, &b); status != http.StatusOK {
		t.Errorf("GET /api/auth/me with the setup's cookie = %d, want 200", status)
	}
	if status, needed := at.me(t, nil); status != http.StatusUnauthorized || needed {
		t.Errorf("GET /api/auth/me signed out after setup = %d, setup_needed %v; want 401, false", status, needed)
	}
	for _, body := range []string{
		`{"email":"second@example.com","password":"correct horse battery"}`,
		`{"email":"second@example.com","password":"correct horse battery","token":"` + auth.SetupToken(testSecret) + `"}`,
	} {
		at.send(t, local(req("POST", "/api/auth/setup", body)), nil).want(t, "setup again", http.StatusConflict, "setup_done")
	}
	if users, _ := at.db.ListUsers(t.Context()); len(users) != 1 {
		t.Errorf("users after two setups: %v, want one", users)
	}
	// The owner signs in with the password chosen at setup.
	at.login(t, "owner@example.com", "correct horse battery")
}

func TestSetupNeedsToken(t *testing.T) {
	body := func(token string) string {
		return `{"email":"owner@example.com","password":"correct horse battery","token":"` + token + `"}`
	}
	good := auth.SetupToken(testSecret)
	for _, tc := range []struct {
		name    string
		baseURL string
		req     func() *http.Request
		status  int
	}{
		{"remote without token", "", func() *http.Request { return req("POST", "/api/auth/setup", body("")) }, 403},
		{"remote with wrong token", "", func() *http.Request { return req("POST", "/api/auth/setup", body(good[:31]+"0")) }, 403},
		{"remote with another key's token", "", func() *http.Request {
			return req("POST", "/api/auth/setup", body(auth.SetupToken("another secret key of enough length")))
		}, 403},
		{"loopback peer behind a proxy", "", func() *http.Request {
			r := local(req("POST", "/api/auth/setup", body("")))
			r.Header.Set("X-Forwarded-For", "203.0.113.9")
			return r
		}, 403},
		{"loopback peer, public Host", "", func() *http.Request {
			r := local(req("POST", "/api/auth/setup", body("")))
			r.Host = "stats.example.com"
			return r
		}, 403},
		{"loopback peer, foreign Origin", "", func() *http.Request {
			r := local(req("POST", "/api/auth/setup", body("")))
			r.Header.Set("Origin", "https://stats.example.com")
			return r
		}, 403},
		{"loopback, public base URL", "https://stats.example.com", func() *http.Request { return local(req("POST", "/api/auth/setup", body(""))) }, 403},
		{"remote with the token", "", func() *http.Request { return req("POST", "/api/auth/setup", body(good)) }, 200},
		{"loopback with local Origin", "", func() *http.Request {
			r := local(req("POST", "/api/auth/setup", body("")))
			r.Header.Set("Origin", "http://localhost:8000")
			return r
		}, 200},
		{"public base URL with the token", "https://stats.example.com", func() *http.Request { return req("POST", "/api/auth/setup", body(good)) }, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := newAccountTest(t, accountOptions{baseURL: tc.baseURL})
			r := at.send(t, tc.req(), nil)
			if tc.status == 200 {
				r.signedIn(t, "setup", "owner@example.com")
				return
			}
			r.want(t, "setup", tc.status, "setup_token")
			if users, _ := at.db.ListUsers(t.Context()); len(users) != 0 {
				t.Errorf("refused setup created users %v", users)
			}
		})
	}
}

func TestSetupRefusesBadInput(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	for _, tc := range []struct {
		body, contentType string
		status            int
		code              string
	}{
		{`{"email":"owner@example.com","password":"short"}`, "application/json", 400, "weak_password"},
		{`{"email":"not an email","password":"correct horse battery"}`, "application/json", 400, "invalid_email"},
		{`{"email":"Ada <ada@example.com>","password":"correct horse battery"}`, "application/json", 400, "invalid_email"},
		{`{"email":`, "application/json", 400, "invalid_request"},
		{`email=owner@example.com&password=correct+horse+battery`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		{`{"email":"owner@example.com","password":"correct horse battery"}`, "text/plain", 415, "unsupported_media_type"},
	} {
		r := local(req("POST", "/api/auth/setup", tc.body))
		r.Header.Set("Content-Type", tc.contentType)
		at.send(t, r, nil).want(t, "setup "+tc.body, tc.status, tc.code)
	}
	r := local(req("POST", "/api/auth/setup", `{"email":"owner@example.com","password":"correct horse battery"}`))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	at.send(t, r, nil).want(t, "setup from another site", http.StatusForbidden, "cross_site")
	if users, _ := at.db.ListUsers(t.Context()); len(users) != 0 {
		t.Errorf("refused setups created users %v", users)
	}
}

func TestLogin(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	if _, err := at.db.CreateUser(t.Context(), store.User{Email: "nopass@example.com"}); err != nil {
		t.Fatal(err)
	}

	r := at.send(t, req("POST", "/api/auth/login", `{"email":" ADA@example.com ","password":"correct horse battery"}`), nil)
	b, _ := r.signedIn(t, "login", "ada@example.com")
	if status, _ := at.me(t, &b); status != http.StatusOK {
		t.Errorf("GET /api/auth/me after login = %d, want 200", status)
	}
	c := r.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge <= 0 {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP, persistent", c)
	}
	if len(c.Value) != auth.SessionTokenLen {
		t.Errorf("session token %q: %d characters, want %d", c.Value, len(c.Value), auth.SessionTokenLen)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("login Cache-Control = %q, want no-store", got)
	}
	// Only the token's hash is stored.
	s, err := at.db.SessionByHash(t.Context(), auth.HashSessionToken(c.Value))
	if err != nil || strings.Contains(string(s.TokenHash), c.Value) || !strings.Contains(s.UserAgent, "Firefox") {
		t.Errorf("stored session %+v, %v: want the token's hash and the browser", s, err)
	}

	var bodies []string
	for _, body := range []string{
		`{"email":"ada@example.com","password":"wrong horse battery"}`,
		`{"email":"nobody@example.com","password":"correct horse battery"}`,
		`{"email":"nopass@example.com","password":""}`,
		`{"email":"ada@example.com","password":"` + strings.Repeat("x", 2000) + `"}`,
	} {
		r := at.send(t, req("POST", "/api/auth/login", body), nil)
		r.want(t, "login "+body[:40], http.StatusUnauthorized, "invalid_credentials")
		if r.cookie != nil {
			t.Errorf("failed login set a cookie %+v", r.cookie)
		}
		bodies = append(bodies, r.body)
	}
	for i := range bodies {
		if bodies[i] != bodies[0] {
			t.Errorf("failed logins answer differently: %s vs %s", bodies[i], bodies[0])
		}
	}
}

// TestLoginNewToken: signing in again, even with a session cookie already
// set, gives a new token and ends the old session (no fixation).
func TestLoginNewToken(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	first := at.login(t, "ada@example.com", "correct horse battery")
	r := at.send(t, req("POST", "/api/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`), &browser{token: first.token})
	second, _ := r.signedIn(t, "login again", "ada@example.com")
	if second.token == first.token || second.csrf == first.csrf {
		t.Errorf("login again kept the token or CSRF token")
	}
	if status, _ := at.me(t, &first); status != http.StatusUnauthorized {
		t.Errorf("GET /api/auth/me with the replaced session = %d, want 401", status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	attempt := func(at *accountTest, email, ip string) accountResponse {
		r := req("POST", "/api/auth/login", `{"email":"`+email+`","password":"wrong horse battery"}`)
		r.RemoteAddr = ip + ":40000"
		return at.send(t, r, nil)
	}
	t.Run("per email", func(t *testing.T) {
		at := newAccountTest(t, accountOptions{limited: true})
		at.user(t, "ada@example.com", "correct horse battery", false)
		for i := range accountLimits["login"].limit.Burst {
			attempt(at, "ada@example.com", "192.0.2."+strconv.Itoa(i+1)).want(t, "attempt", 401, "invalid_credentials")
		}
		r := attempt(at, "ADA@example.com", "192.0.2.100")
		r.want(t, "attempt past the limit", http.StatusTooManyRequests, "rate_limited")
		if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
			t.Errorf("Retry-After = %q, want 1 to 60 seconds", r.header.Get("Retry-After"))
		}
		// The right password does not get past the limit either.
		r2 := req("POST", "/api/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`)
		r2.RemoteAddr = "192.0.2.101:40000"
		at.send(t, r2, nil).want(t, "right password past the limit", http.StatusTooManyRequests, "rate_limited")
		attempt(at, "bob@example.com", "192.0.2.102").want(t, "another email", 401, "invalid_credentials")
	})
	t.Run("per address", func(t *testing.T) {
		at := newAccountTest(t, accountOptions{limited: true})
		for i := range accountLimits["login"].limit.Burst {
			attempt(at, "user"+strconv.Itoa(i)+"@example.com", "198.51.100.7").want(t, "attempt", 401, "invalid_credentials")
		}
		attempt(at, "someone@example.com", "198.51.100.7").want(t, "attempt past the limit", http.StatusTooManyRequests, "rate_limited")
		attempt(at, "someone@example.com", "198.51.100.8").want(t, "another address", 401, "invalid_credentials")
	})
}

func TestCookieSecure(t *testing.T) {
	for _, tc := range []struct {
		name    string
		baseURL string
		tls     bool
	}{
		{"https base URL", "https://stats.example.com", false},
		{"TLS request", "http://localhost:8000", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := newAccountTest(t, accountOptions{baseURL: tc.baseURL})
			at.user(t, "ada@example.com", "correct horse battery", false)
			r := req("POST", "/api/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			res := at.send(t, r, nil)
			b, _ := res.signedIn(t, "login", "ada@example.com")
			if !res.cookie.Secure || !res.cookie.HttpOnly {
				t.Errorf("cookie %+v: want Secure and HttpOnly", res.cookie)
			}
			lr := req("POST", "/api/auth/logout", "")
			lr.TLS = r.TLS
			out := at.send(t, lr, &b)
			if out.status != http.StatusNoContent || out.cookie == nil || !out.cookie.Secure || out.cookie.MaxAge >= 0 {
				t.Errorf("logout = %d, cookie %+v: want 204 clearing a Secure cookie", out.status, out.cookie)
			}
		})
	}
}

// TestCSRF: a cookie-authenticated write needs the session's token in
// X-CSRF-Token; reads do not, nor do API-key writes (the Sites API tests
// cover those).
func TestCSRF(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	b := at.login(t, "ada@example.com", "correct horse battery")
	other := at.login(t, "ada@example.com", "correct horse battery")
	create := func(domain string) *http.Request {
		return req("POST", "/api/v1/sites", `{"domain":"`+domain+`"}`)
	}
	for _, tc := range []struct {
		name string
		csrf string
	}{
		{"missing", ""},
		{"wrong", b.csrf[:len(b.csrf)-1] + "x"},
		{"another session's", other.csrf},
		{"with a space", " " + b.csrf},
	} {
		at.send(t, create("csrf.example"), &browser{token: b.token, csrf: tc.csrf}).want(t, "POST /api/v1/sites, CSRF "+tc.name, http.StatusForbidden, "csrf")
	}
	at.send(t, req("POST", "/api/auth/logout", ""), &browser{token: b.token}).want(t, "logout without CSRF", http.StatusForbidden, "csrf")
	if _, err := at.db.SiteByDomain(t.Context(), "csrf.example"); err == nil {
		t.Error("a write without the right CSRF token created a site")
	}
	at.send(t, create("csrf.example"), &b).want(t, "POST /api/v1/sites with the CSRF token", http.StatusOK, "")
	at.send(t, req("GET", "/api/v1/sites", ""), &browser{token: b.token}).want(t, "GET /api/v1/sites without CSRF", http.StatusOK, "")
	if status, _ := at.me(t, &b); status != http.StatusOK {
		t.Errorf("session after refused writes: GET /me = %d, want 200", status)
	}
}

func TestLogout(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	b := at.login(t, "ada@example.com", "correct horse battery")
	keep := at.login(t, "ada@example.com", "correct horse battery")
	r := at.send(t, req("POST", "/api/auth/logout", ""), &b)
	if r.status != http.StatusNoContent || r.cookie == nil || r.cookie.MaxAge >= 0 || r.cookie.Value != "" {
		t.Errorf("logout = %d, cookie %+v; want 204 and the cookie cleared", r.status, r.cookie)
	}
	if status, _ := at.me(t, &b); status != http.StatusUnauthorized {
		t.Errorf("GET /me with the signed-out cookie = %d, want 401", status)
	}
	at.send(t, req("GET", "/api/v1/sites", ""), &b).want(t, "GET /api/v1/sites with the signed-out cookie", http.StatusUnauthorized, "unauthorized")
	if status, _ := at.me(t, &keep); status != http.StatusOK {
		t.Errorf("GET /me with the other session = %d, want 200 (logout ends one session)", status)
	}
	// Signed out already: still 204, cookie cleared.
	if r := at.send(t, req("POST", "/api/auth/logout", ""), &b); r.status != http.StatusNoContent {
		t.Errorf("logout again = %d, want 204", r.status)
	}
}

func TestLogoutEverywhere(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	at.user(t, "bob@example.com", "correct horse battery", false)
	a1 := at.login(t, "ada@example.com", "correct horse battery")
	a2 := at.login(t, "ada@example.com", "correct horse battery")
	bob := at.login(t, "bob@example.com", "correct horse battery")
	at.send(t, req("POST", "/api/auth/logout-everywhere", ""), &browser{token: a1.token}).want(t, "logout-everywhere without CSRF", http.StatusForbidden, "csrf")
	at.send(t, req("POST", "/api/auth/logout-everywhere", ""), &a1).want(t, "logout-everywhere", http.StatusNoContent, "")
	for _, b := range []*browser{&a1, &a2} {
		if status, _ := at.me(t, b); status != http.StatusUnauthorized {
			t.Errorf("GET /me after logout-everywhere = %d, want 401", status)
		}
	}
	if status, _ := at.me(t, &bob); status != http.StatusOK {
		t.Errorf("another user's session after logout-everywhere: GET /me = %d, want 200", status)
	}
}

// TestSessionExpiry: a session past its idle or absolute expiry is
// refused; use moves the idle expiry forward, never past the absolute one.
func TestSessionExpiry(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	u := at.user(t, "ada@example.com", "correct horse battery", false)
	now := time.Now()
	session := func(created, seen, expires time.Time) browser {
		token, hash := auth.NewSessionToken()
		csrf := auth.NewCSRFToken()
		if _, err := at.db.CreateSession(t.Context(), store.Session{UserID: u.ID, TokenHash: hash, CSRFToken: csrf,
			CreatedAt: created, LastSeenAt: seen, ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
		return browser{token: token, csrf: csrf}
	}
	idle := session(now.Add(-20*24*time.Hour), now.Add(-15*24*time.Hour), now.Add(-time.Hour))
	old := session(now.Add(-91*24*time.Hour), now.Add(-time.Hour), now.Add(time.Hour))
	for name, b := range map[string]*browser{"idle": &idle, "past the absolute limit": &old} {
		if status, _ := at.me(t, b); status != http.StatusUnauthorized {
			t.Errorf("GET /me with a session %s = %d, want 401", name, status)
		}
		at.send(t, req("GET", "/api/v1/sites", ""), b).want(t, "GET /api/v1/sites with a session "+name, 401, "unauthorized")
	}

	stale := session(now.Add(-89*24*time.Hour), now.Add(-time.Hour), now.Add(time.Hour))
	fresh := session(now.Add(-time.Hour), now.Add(-10*time.Minute), now.Add(time.Hour))
	recent := session(now.Add(-time.Hour), now.Add(-10*time.Second), now.Add(time.Hour))
	for _, b := range []*browser{&stale, &fresh, &recent} {
		if status, _ := at.me(t, b); status != http.StatusOK {
			t.Fatalf("GET /me with a live session = %d, want 200", status)
		}
	}
	get := func(b browser) store.Session {
		s, err := at.db.SessionByHash(t.Context(), auth.HashSessionToken(b.token))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := get(fresh); s.ExpiresAt.Before(now.Add(sessionIdle-time.Minute)) || s.LastSeenAt.Before(now.Add(-time.Second)) {
		t.Errorf("session used after 10 minutes: expires %v, last seen %v; want about now+%v, now", s.ExpiresAt, s.LastSeenAt, sessionIdle)
	}
	if s := get(stale); !s.ExpiresAt.Equal(s.CreatedAt.Add(sessionMax)) {
		t.Errorf("session near its absolute limit: expires %v, want its limit %v", s.ExpiresAt, s.CreatedAt.Add(sessionMax))
	}
	if s := get(recent); s.ExpiresAt.After(now.Add(time.Hour)) {
		t.Errorf("session used 10 s ago was extended again (expires %v): touches are at most once a minute", s.ExpiresAt)
	}
}

// TestSessionAPIs: a signed-in browser reads and manages its own sites
// through the Sites API, and another user's site is a 404 to it.
func TestSessionAPIs(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	alice := at.user(t, "alice@example.com", "correct horse battery", false)
	at.user(t, "bob@example.com", "correct horse battery", false)
	if _, err := at.db.CreateSite(t.Context(), store.Site{Domain: "alice.example", TimeZone: "UTC", OwnerID: alice.ID}); err != nil {
		t.Fatal(err)
	}
	a := at.login(t, "alice@example.com", "correct horse battery")
	bob := at.login(t, "bob@example.com", "correct horse battery")
	at.send(t, req("GET", "/api/v1/sites/alice.example", ""), &a).want(t, "alice: GET her site", http.StatusOK, "")
	at.send(t, req("PUT", "/api/v1/sites/goals", `{"site_id":"alice.example","goal_type":"event","event_name":"Signup"}`), &a).
		want(t, "alice: PUT a goal", http.StatusOK, "")
	for _, tc := range routeCases("alice.example") {
		r := at.send(t, req(tc.method, tc.path, tc.body), &bob)
		r.want(t, "bob's session: "+tc.method+" "+tc.path, http.StatusNotFound, "site_not_found")
		if strings.Contains(r.body, "Signup") {
			t.Errorf("bob's session: %s %s leaks alice's data: %s", tc.method, tc.path, r.body)
		}
	}
	if goals, _ := at.db.ListGoals(t.Context(), 1); len(goals) != 1 {
		t.Errorf("alice's goals after bob's calls: %v", goals)
	}
}

func TestSessionsList(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	at.user(t, "bob@example.com", "correct horse battery", false)
	first := at.login(t, "ada@example.com", "correct horse battery")
	second := at.login(t, "ada@example.com", "correct horse battery")
	bob := at.login(t, "bob@example.com", "correct horse battery")

	list := func(b *browser) []sessionJSON {
		t.Helper()
		r := at.send(t, req("GET", "/api/auth/sessions", ""), b)
		var out struct{ Sessions []sessionJSON }
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &out) != nil {
			t.Fatalf("GET /api/auth/sessions = %d %s", r.status, r.body)
		}
		return out.Sessions
	}
	got := list(&second)
	if len(got) != 2 || !got[0].Current || got[1].Current || !strings.Contains(got[0].UserAgent, "Firefox") || got[0].Location != "Testville, ZZ" {
		t.Fatalf("GET /api/auth/sessions = %+v, want two, the newest (current) first", got)
	}
	bobs := list(&bob)
	at.send(t, req("DELETE", "/api/auth/sessions/"+strconv.FormatInt(bobs[0].ID, 10), ""), &second).
		want(t, "DELETE bob's session", http.StatusNotFound, "session_not_found")
	at.send(t, req("DELETE", "/api/auth/sessions/x", ""), &second).want(t, "DELETE /api/auth/sessions/x", http.StatusNotFound, "session_not_found")
	at.send(t, req("DELETE", "/api/auth/sessions/"+strconv.FormatInt(got[1].ID, 10), ""), &browser{token: second.token}).
		want(t, "DELETE without CSRF", http.StatusForbidden, "csrf")
	at.send(t, req("DELETE", "/api/auth/sessions/"+strconv.FormatInt(got[1].ID, 10), ""), &second).
		want(t, "DELETE the first session", http.StatusNoContent, "")
	if status, _ := at.me(t, &first); status != http.StatusUnauthorized {
		t.Errorf("revoked session: GET /me = %d, want 401", status)
	}
	if status, _ := at.me(t, &bob); status != http.StatusOK {
		t.Errorf("bob after ada's revoke: GET /me = %d, want 200", status)
	}
	if got := list(&second); len(got) != 1 || !got[0].Current {
		t.Errorf("sessions after the revoke = %+v, want the current one", got)
	}
	// Sessions are a browser's business: an API key cannot list them.
	at.send(t, req("GET", "/api/auth/sessions", ""), nil).want(t, "GET /api/auth/sessions signed out", http.StatusUnauthorized, "unauthorized")
}

func TestSignup(t *testing.T) {
	signup := func(at *accountTest, email string) accountResponse {
		return at.send(t, req("POST", "/api/auth/signup", `{"email":"`+email+`","password":"correct horse battery"}`), nil)
	}
	t.Run("open", func(t *testing.T) {
		at := newAccountTest(t, accountOptions{registration: "open"})
		signup(at, "ada@example.com").want(t, "signup before setup", http.StatusConflict, "setup_needed")
		at.user(t, "owner@example.com", "correct horse battery", true)
		b, me := signup(at, "Ada@Example.com").signedIn(t, "signup", "ada@example.com")
		if me.User.Admin {
			t.Errorf("signup made an admin: %+v", me.User)
		}
		if status, _ := at.me(t, &b); status != http.StatusOK {
			t.Errorf("GET /me after signup = %d, want 200", status)
		}
		signup(at, "ada@example.com").want(t, "signup again", http.StatusConflict, "email_taken")
		at.send(t, req("POST", "/api/auth/signup", `{"email":"bob@example.com","password":"short"}`), nil).want(t, "signup, weak password", 400, "weak_password")
		at.login(t, "ada@example.com", "correct horse battery")
	})
	for mode, code := range map[string]string{"invite": "registration_invite_only", "": "registration_invite_only", "closed": "registration_closed"} {
		t.Run("mode "+mode, func(t *testing.T) {
			at := newAccountTest(t, accountOptions{registration: mode})
			at.user(t, "owner@example.com", "correct horse battery", true)
			signup(at, "ada@example.com").want(t, "signup", http.StatusForbidden, code)
			if _, err := at.db.UserByEmail(t.Context(), "ada@example.com"); err == nil {
				t.Error("a refused signup created the user")
			}
			r := at.send(t, req("GET", "/api/auth/me", ""), nil)
			var body struct{ Registration string }
			want := mode
			if want == "" {
				want = "invite"
			}
			if json.Unmarshal([]byte(r.body), &body) != nil || body.Registration != want {
				t.Errorf("GET /me signed out = %s, want registration %q", r.body, want)
			}
		})
	}
}

// TestChangePassword: a password change needs the current password and
// the CSRF token, ends every session of the user and signs this browser in
// anew.
func TestChangePassword(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	at.user(t, "bob@example.com", "correct horse battery", false)
	a := at.login(t, "ada@example.com", "correct horse battery")
	elsewhere := at.login(t, "ada@example.com", "correct horse battery")
	bob := at.login(t, "bob@example.com", "correct horse battery")
	change := func(b *browser, current, next string) accountResponse {
		return at.send(t, req("POST", "/api/auth/password", `{"current_password":"`+current+`","new_password":"`+next+`"}`), b)
	}
	change(&browser{token: a.token}, "correct horse battery", "another horse battery").want(t, "change without CSRF", http.StatusForbidden, "csrf")
	change(&a, "wrong horse battery", "another horse battery").want(t, "change with a wrong password", http.StatusForbidden, "invalid_credentials")
	change(&a, "correct horse battery", "short").want(t, "change to a weak password", http.StatusBadRequest, "weak_password")
	change(nil, "correct horse battery", "another horse battery").want(t, "change signed out", http.StatusUnauthorized, "unauthorized")

	renewed, _ := change(&a, "correct horse battery", "another horse battery").signedIn(t, "change", "ada@example.com")
	if renewed.token == a.token {
		t.Error("the password change kept the session token")
	}
	for name, b := range map[string]*browser{"this browser's old session": &a, "another browser": &elsewhere} {
		if status, _ := at.me(t, b); status != http.StatusUnauthorized {
			t.Errorf("%s after the change: GET /me = %d, want 401", name, status)
		}
	}
	for name, b := range map[string]*browser{"the new session": &renewed, "another user": &bob} {
		if status, _ := at.me(t, b); status != http.StatusOK {
			t.Errorf("%s after the change: GET /me = %d, want 200", name, status)
		}
	}
	at.send(t, req("POST", "/api/auth/login", `{"email":"ada@example.com","password":"correct horse battery"}`), nil).
		want(t, "login with the old password", http.StatusUnauthorized, "invalid_credentials")
	at.login(t, "ada@example.com", "another horse battery")
}

// TestLoginTiming: an unknown email costs a password hash like a wrong
// password does, so the answer's timing does not tell which emails have
// accounts. Without the dummy hash it would answer ~100 times faster; the
// bound is loose so a busy machine does not fail it.
func TestLoginTiming(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	fastest := func(email string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			at.send(t, req("POST", "/api/auth/login", `{"email":"`+email+`","password":"wrong horse battery"}`), nil).
				want(t, "login "+email, http.StatusUnauthorized, "invalid_credentials")
			best = min(best, time.Since(start))
		}
		return best
	}
	known, unknown := fastest("ada@example.com"), fastest("nobody@example.com")
	if unknown < known/4 {
		t.Errorf("login with an unknown email took %v, a wrong password %v: the unknown email is told apart by timing", unknown, known)
	}
}

// TestAccountAudit: account events are logged with the user id and the
// request id, never with an email, an address or a password.
func TestAccountAudit(t *testing.T) {
	var log strings.Builder
	at := newAccountTest(t, accountOptions{log: &log})
	u := at.user(t, "ada@example.com", "correct horse battery", false)
	at.send(t, req("POST", "/api/auth/login", `{"email":"ada@example.com","password":"wrong horse battery"}`), nil)
	at.send(t, req("POST", "/api/auth/login", `{"email":"nobody@example.com","password":"wrong horse battery"}`), nil)
	b := at.login(t, "ada@example.com", "correct horse battery")
	at.send(t, req("POST", "/api/auth/logout-everywhere", ""), &b)
	got := log.String()
	id := "user_id=" + strconv.FormatInt(u.ID, 10)
	for _, want := range []string{
		`event="sign-in refused" ` + id + " request_id=",
		`reason="wrong password"`,
		`event="sign-in refused" user_id=0`,
		`reason="unknown email"`,
		`event="signed in" ` + id,
		`event="signed out everywhere" ` + id,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	for _, secret := range []string{"ada@example.com", "nobody@", "horse", "192.0.2.1", b.token, b.csrf} {
		if strings.Contains(got, secret) {
			t.Errorf("log contains %q:\n%s", secret, got)
		}
	}
}

// TestSessionsBounded: signing in again and again keeps at most
// maxSessionsPerUser sessions, ending the least recently used; the newest
// stays signed in.
func TestSessionsBounded(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	u := at.user(t, "ada@example.com", "correct horse battery", false)
	old := time.Now().Add(-time.Hour)
	for i := range maxSessionsPerUser {
		_, hash := auth.NewSessionToken()
		seen := old.Add(time.Duration(i) * time.Second)
		if _, err := at.db.CreateSession(t.Context(), store.Session{UserID: u.ID, TokenHash: hash, CSRFToken: "c",
			CreatedAt: seen, LastSeenAt: seen, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	oldest, err := at.db.ListSessions(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := at.login(t, "ada@example.com", "correct horse battery")
	list, err := at.db.ListSessions(t.Context(), u.ID)
	if err != nil || len(list) != maxSessionsPerUser {
		t.Fatalf("sessions after one sign-in too many = %d, %v; want %d", len(list), err, maxSessionsPerUser)
	}
	for _, s := range list {
		if s.ID == oldest[0].ID {
			t.Errorf("the least recently used session %d survived", s.ID)
		}
	}
	if status, _ := at.me(t, &b); status != http.StatusOK {
		t.Errorf("the new session: GET /me = %d, want 200", status)
	}
}

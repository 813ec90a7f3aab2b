package web

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/store"
)

// testOutbox is the production Mailer over db, delivering to srv.
func testOutbox(t testing.TB, db store.Outbox, srv *mailtest.Server) *mail.Outbox {
	t.Helper()
	tr, from, err := mail.NewTransport(mail.Options{SMTPURL: srv.URL(), BaseURL: "http://localhost:8000"})
	if err != nil {
		t.Fatal(err)
	}
	return mail.NewOutbox(db, tr, from, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

var linkRE = regexp.MustCompile(`https?://\S+token=[A-Za-z0-9_%-]+`)

// link is the tokened link of a mail's text part.
func link(t testing.TB, m mailtest.Received) *url.URL {
	t.Helper()
	s := linkRE.FindString(m.Text)
	if s == "" {
		t.Fatalf("mail %q has no link: %s", m.Subject, m.Text)
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, strings.ReplaceAll(s, "&", "&amp;")) {
		t.Errorf("mail %q: the HTML part lacks the text part's link %s", m.Subject, s)
	}
	return u
}

// emailVerified is /api/auth/me's email_verified for b.
func (at *accountTest) emailVerified(t testing.TB, b *browser) bool {
	t.Helper()
	var me meJSON
	r := at.send(t, req("GET", "/api/auth/me", ""), b)
	if err := json.Unmarshal([]byte(r.body), &me); err != nil || r.status != 200 {
		t.Fatalf("GET /api/auth/me = %d %s", r.status, r.body)
	}
	if !me.MailConfigured {
		t.Errorf("GET /api/auth/me: mail_configured false with SMTP set")
	}
	return me.User.EmailVerified
}

// Sign-up over HTTP end to end: the owner made at setup is verified and
// gets no mail; a new account gets a link, is unverified (and can work)
// until it opens it; the link works once.
func TestSignupVerification(t *testing.T) {
	srv := mailtest.Start(t)
	at := newAccountTest(t, accountOptions{registration: "open", mail: srv})
	owner, _ := at.send(t, local(req("POST", "/api/auth/setup", `{"email":"owner@example.test","password":"correct horse battery"}`)), nil).signedIn(t, "setup", "owner@example.test")
	if !at.emailVerified(t, &owner) {
		t.Error("the owner created at setup is not verified")
	}
	b, _ := at.send(t, req("POST", "/api/auth/signup", `{"email":"bob@example.test","password":"correct horse battery"}`), nil).signedIn(t, "signup", "bob@example.test")
	if at.emailVerified(t, &b) {
		t.Error("a new account is verified before opening the link")
	}
	msgs := srv.Wait(t, 1)
	m := msgs[0]
	if len(msgs) != 1 || m.To[0] != "bob@example.test" || m.Subject != "Confirm your email address" {
		t.Fatalf("mails = %+v, want one verification mail to bob", msgs)
	}
	u := link(t, m)
	if u.Path != "/verify-email" {
		t.Errorf("verification link %s, want the /verify-email page", u)
	}
	// A new link replaces the old one.
	at.send(t, req("POST", "/api/auth/verify/resend", ""), &b).want(t, "POST /api/auth/verify/resend", http.StatusAccepted, "")
	second := link(t, srv.Wait(t, 2)[1])
	// Links mailed before the page existed pointed at GET /api/auth/verify.
	apiLink := func(u *url.URL) string { return "/api/auth/verify?token=" + url.QueryEscape(u.Query().Get("token")) }
	r := at.send(t, req("GET", apiLink(u), ""), nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/verify-email?verified=0" {
		t.Errorf("GET replaced link = %d %s, want 303 to /verify-email?verified=0", r.status, r.header.Get("Location"))
	}
	r = at.send(t, req("GET", apiLink(second), ""), nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/verify-email?verified=1" {
		t.Errorf("GET link = %d %s, want 303 to /verify-email?verified=1", r.status, r.header.Get("Location"))
	}
	if !at.emailVerified(t, &b) {
		t.Error("not verified after opening the link")
	}
	at.send(t, req("POST", "/api/auth/verify", `{"token":"`+second.Query().Get("token")+`"}`), nil).want(t, "POST /api/auth/verify (used token)", http.StatusBadRequest, "invalid_token")
	at.send(t, req("POST", "/api/auth/verify", `{"token":"nonsense"}`), nil).want(t, "POST /api/auth/verify (bad token)", http.StatusBadRequest, "invalid_token")
	at.send(t, req("POST", "/api/auth/verify", `{"token":`), nil).want(t, "POST /api/auth/verify (bad JSON)", http.StatusBadRequest, "invalid_request")
	at.send(t, req("POST", "/api/auth/verify/resend", ""), &b).want(t, "POST /api/auth/verify/resend (verified)", http.StatusConflict, "already_verified")
	at.send(t, req("POST", "/api/auth/verify/resend", ""), nil).want(t, "POST /api/auth/verify/resend (signed out)", http.StatusUnauthorized, "unauthorized")
}

// Password reset end to end: no answer tells whether an address has an
// account; the link sets a new password once, signs out everywhere, and a
// security notice follows.
func TestPasswordReset(t *testing.T) {
	srv := mailtest.Start(t)
	at := newAccountTest(t, accountOptions{mail: srv, limited: true})
	at.user(t, "ann@example.test", "correct horse battery", false)
	old := at.login(t, "ann@example.test", "correct horse battery")
	at.outbox.Wait()
	before := len(srv.Messages()) // the first sign-in's device notice

	unknown := at.send(t, req("POST", "/api/auth/password-reset", `{"email":"nobody@example.test"}`), nil)
	known := at.send(t, req("POST", "/api/auth/password-reset", `{"email":"Ann@Example.test"}`), nil)
	if unknown.status != http.StatusAccepted || known.status != http.StatusAccepted || unknown.body != known.body {
		t.Errorf("reset answers differ: unknown %d %s, known %d %s", unknown.status, unknown.body, known.status, known.body)
	}
	msgs := srv.Wait(t, before+1)
	at.outbox.Wait()
	if len(srv.Messages()) != before+1 {
		t.Fatalf("%d mails after two reset requests, want one", len(srv.Messages())-before)
	}
	m := msgs[before]
	if m.To[0] != "ann@example.test" || m.Subject != "Reset your password" {
		t.Fatalf("reset mail = %+v", m)
	}
	u := link(t, m)
	if u.Path != "/reset-password" {
		t.Errorf("reset link %s", u)
	}
	token := u.Query().Get("token")
	confirm := func(tok, pw string) accountResponse {
		return at.send(t, req("POST", "/api/auth/password-reset/confirm", `{"token":"`+tok+`","password":"`+pw+`"}`), nil)
	}
	confirm(token, "short").want(t, "confirm with a weak password", http.StatusBadRequest, "weak_password")
	confirm("forged", "a whole new passphrase").want(t, "confirm with a forged token", http.StatusBadRequest, "invalid_token")
	confirm(token, "a whole new passphrase").want(t, "confirm", http.StatusOK, "")
	confirm(token, "another new passphrase").want(t, "confirm twice", http.StatusBadRequest, "invalid_token")
	if status, _ := at.me(t, &old); status != http.StatusUnauthorized {
		t.Errorf("the old session after a reset: GET /api/auth/me = %d, want 401", status)
	}
	at.send(t, req("POST", "/api/auth/login", `{"email":"ann@example.test","password":"correct horse battery"}`), nil).want(t, "login with the old password", http.StatusUnauthorized, "invalid_credentials")
	b := at.login(t, "ann@example.test", "a whole new passphrase")
	if !at.emailVerified(t, &b) {
		t.Error("a reset link proves the address, but it is not verified")
	}
	notice := srv.Wait(t, before+2)[before+1]
	if notice.Subject != "Your Footfall password was changed" || !strings.Contains(notice.Text, "Testville, ZZ") || !strings.Contains(notice.Text, "Firefox") {
		t.Errorf("security notice = %q: %s", notice.Subject, notice.Text)
	}

	// 3 an hour per address (from anywhere) and per client address.
	for i := range 4 {
		r := req("POST", "/api/auth/password-reset", `{"email":"carl@example.test"}`)
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1000", i+1)
		res := at.send(t, r, nil)
		if i < 3 && res.status != http.StatusAccepted {
			t.Errorf("reset request %d for carl = %d", i+1, res.status)
		}
		if i == 3 {
			res.want(t, "fourth reset request for one address in an hour", http.StatusTooManyRequests, "rate_limited")
		}
	}
	// 192.0.2.1 asked twice above.
	at.send(t, req("POST", "/api/auth/password-reset", `{"email":"dave@example.test"}`), nil).want(t, "third reset request from one client", http.StatusAccepted, "")
	at.send(t, req("POST", "/api/auth/password-reset", `{"email":"erin@example.test"}`), nil).want(t, "fourth reset request from one client", http.StatusTooManyRequests, "rate_limited")
	at.send(t, req("POST", "/api/auth/password-reset", `{"email":"not an address"}`), nil).want(t, "reset with a bad address", http.StatusBadRequest, "invalid_email")
}

// Sign-in notices: once per new device (browser family, OS, country),
// with time, device and place; the same browser after an update is known.
func TestNewDeviceNotice(t *testing.T) {
	srv := mailtest.Start(t)
	at := newAccountTest(t, accountOptions{mail: srv})
	at.user(t, "ann@example.test", "correct horse battery", false)
	login := func(ua string) {
		t.Helper()
		r := req("POST", "/api/auth/login", `{"email":"ann@example.test","password":"correct horse battery"}`)
		r.Header.Set("User-Agent", ua)
		at.send(t, r, nil).signedIn(t, "login with "+ua, "ann@example.test")
		at.outbox.Wait()
	}
	firefox := "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
	login(firefox)
	m := srv.Wait(t, 1)[0]
	if m.Subject != "New sign-in to your Footfall account" || !strings.Contains(m.Text, "Testville, ZZ") || !strings.Contains(m.Text, "UTC") {
		t.Errorf("notice = %q: %s", m.Subject, m.Text)
	}
	login(firefox)
	login(strings.ReplaceAll(firefox, "140.0", "141.0"))
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d notices after signing in again from the same browser, want 1", n)
	}
	login("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36")
	if n := len(srv.Wait(t, 2)); n != 2 {
		t.Errorf("%d notices after a new browser, want 2", n)
	}
}

// Changing the password or two-factor state is reported by email.
func TestSecurityNoticeOnPasswordChange(t *testing.T) {
	srv := mailtest.Start(t)
	at := newAccountTest(t, accountOptions{mail: srv})
	at.user(t, "ann@example.test", "correct horse battery", false)
	b := at.login(t, "ann@example.test", "correct horse battery")
	srv.Wait(t, 1)
	at.send(t, req("POST", "/api/auth/password", `{"current_password":"correct horse battery","new_password":"a whole new passphrase"}`), &b).want(t, "POST /api/auth/password", http.StatusOK, "")
	if m := srv.Wait(t, 2)[1]; m.Subject != "Your Footfall password was changed" {
		t.Errorf("mail after a password change = %q", m.Subject)
	}
}

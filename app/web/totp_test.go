package web

import (
	"encoding/base32"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
)

// TestTwoFactor walks two-factor sign-in through set-up, confirmation,
// sign-in with a code and with recovery codes, and turning it off.
func TestTwoFactor(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	a := at.login(t, "ada@example.com", "correct horse battery")
	elsewhere := at.login(t, "ada@example.com", "correct horse battery")
	post := func(b *browser, path, body string) accountResponse {
		return at.send(t, req("POST", path, body), b)
	}
	login := func(code string) accountResponse {
		return post(nil, "/api/auth/login", `{"email":"ada@example.com","password":"correct horse battery","code":"`+code+`"}`)
	}

	post(&browser{token: a.token}, "/api/auth/totp/setup", `{"password":"correct horse battery"}`).want(t, "setup without CSRF", http.StatusForbidden, "csrf")
	post(&a, "/api/auth/totp/setup", `{"password":"wrong horse battery"}`).want(t, "setup with a wrong password", http.StatusForbidden, "invalid_credentials")
	post(&a, "/api/auth/totp/enable", `{"code":"123456"}`).want(t, "enable before setup", http.StatusConflict, "totp_not_set_up")
	r := post(&a, "/api/auth/totp/setup", `{"password":"correct horse battery"}`)
	var setup struct {
		Secret     string
		OTPAuthURL string `json:"otpauth_url"`
	}
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &setup) != nil ||
		!strings.HasPrefix(setup.OTPAuthURL, "otpauth://totp/Footfall%20localhost:ada@example.com?") || !strings.Contains(setup.OTPAuthURL, setup.Secret) {
		t.Fatalf("setup = %d %s", r.status, r.body)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(setup.Secret)
	if err != nil {
		t.Fatal(err)
	}
	// Codes are picked relative to the current 30-second step; start well
	// inside one so the step does not change under the test.
	if left := 30 - time.Now().Unix()%30; left < 5 {
		time.Sleep(time.Duration(left) * time.Second)
	}
	code := func(offset int64) string { return auth.TOTPCode(secret, auth.TOTPStep(time.Now())+offset) }
	// Set up but not confirmed: sign-in does not ask for a code yet.
	at.login(t, "ada@example.com", "correct horse battery")

	post(&a, "/api/auth/totp/enable", `{"code":"000000x"}`).want(t, "enable with a wrong code", http.StatusUnauthorized, "invalid_code")
	r = post(&a, "/api/auth/totp/enable", `{"code":"`+code(-1)+`"}`)
	var enabled struct {
		User          userJSON
		CSRFToken     string   `json:"csrf_token"`
		RecoveryCodes []string `json:"recovery_codes"`
	}
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &enabled) != nil || len(enabled.RecoveryCodes) != auth.RecoveryCodes || !enabled.User.TOTP || r.cookie == nil {
		t.Fatalf("enable = %d %s, want the user, ten recovery codes and a new cookie", r.status, r.body)
	}
	renewed := browser{token: r.cookie.Value, csrf: enabled.CSRFToken}
	for name, b := range map[string]*browser{"the old session": &a, "another browser": &elsewhere} {
		if status, _ := at.me(t, b); status != http.StatusUnauthorized {
			t.Errorf("%s after enabling two-factor: GET /me = %d, want 401", name, status)
		}
	}
	if status, _ := at.me(t, &renewed); status != http.StatusOK {
		t.Errorf("the renewed session: GET /me = %d, want 200", status)
	}
	post(&renewed, "/api/auth/totp/setup", `{"password":"correct horse battery"}`).want(t, "setup while enabled", http.StatusConflict, "totp_enabled")

	login("").want(t, "login without a code", http.StatusUnauthorized, "totp_required")
	login("123").want(t, "login with a malformed code", http.StatusUnauthorized, "invalid_code")
	login(code(-1)).want(t, "login replaying the enabling code", http.StatusUnauthorized, "invalid_code")
	login(code(-3)).want(t, "login with an old code", http.StatusUnauthorized, "invalid_code")
	b, me := login(code(0)).signedIn(t, "login with a code", "ada@example.com")
	if !me.User.TOTP {
		t.Errorf("login answer %+v: want totp_enabled", me.User)
	}
	login(code(0)).want(t, "login with the same code again", http.StatusUnauthorized, "invalid_code")
	login(strings.ToUpper(enabled.RecoveryCodes[0])).signedIn(t, "login with a recovery code", "ada@example.com")
	login(enabled.RecoveryCodes[0]).want(t, "login with a used recovery code", http.StatusUnauthorized, "invalid_code")
	post(nil, "/api/auth/login", `{"email":"ada@example.com","password":"wrong horse battery","code":"`+enabled.RecoveryCodes[1]+`"}`).
		want(t, "a recovery code with a wrong password", http.StatusUnauthorized, "invalid_credentials")

	post(&b, "/api/auth/totp/disable", `{"password":"correct horse battery","code":"`+enabled.RecoveryCodes[0]+`"}`).
		want(t, "disable with a used code", http.StatusUnauthorized, "invalid_code")
	post(&b, "/api/auth/totp/disable", `{"password":"wrong horse battery","code":"`+enabled.RecoveryCodes[1]+`"}`).
		want(t, "disable with a wrong password", http.StatusForbidden, "invalid_credentials")
	r = post(&b, "/api/auth/totp/disable", `{"password":"correct horse battery","code":"`+enabled.RecoveryCodes[1]+`"}`)
	r.signedIn(t, "disable", "ada@example.com")
	if strings.Contains(r.body, `"totp_enabled":true`) {
		t.Errorf("disable answered %s, want totp_enabled false", r.body)
	}
	at.login(t, "ada@example.com", "correct horse battery") // no code needed any more
}

// TestAdminTOTPRequired: with FOOTFALL_ADMIN_2FA=required an administrator
// without two-factor sign-in can reach only their account endpoints —
// their session and their API key get 403 elsewhere — until they turn it
// on; other users are not affected.
func TestAdminTOTPRequired(t *testing.T) {
	at := newAccountTest(t, accountOptions{adminTOTP: true})
	root := at.user(t, "root@example.com", "correct horse battery", true)
	at.user(t, "ada@example.com", "correct horse battery", false)
	key, prefix, hash := auth.NewAPIKey()
	if _, err := at.db.CreateAPIKey(t.Context(), store.APIKey{UserID: root.ID, Prefix: prefix, Hash: hash, Scopes: store.Scopes}); err != nil {
		t.Fatal(err)
	}
	withKey := func() *http.Request {
		r := req("GET", "/api/v1/sites", "")
		r.Header.Set("Authorization", "Bearer "+key)
		return r
	}
	r := at.send(t, req("POST", "/api/auth/login", `{"email":"root@example.com","password":"correct horse battery"}`), nil)
	b, me := r.signedIn(t, "admin login", "root@example.com")
	if !me.User.TOTPRequired {
		t.Errorf("admin without two-factor: /me user = %+v, want totp_required", me.User)
	}
	at.send(t, req("GET", "/api/v1/sites", ""), &b).want(t, "admin session without two-factor", http.StatusForbidden, "totp_setup_required")
	at.send(t, withKey(), nil).want(t, "admin key without two-factor", http.StatusForbidden, "totp_setup_required")
	ada := at.login(t, "ada@example.com", "correct horse battery")
	at.send(t, req("GET", "/api/v1/sites", ""), &ada).want(t, "a non-admin without two-factor", http.StatusOK, "")

	// The account endpoints stay open, so the admin can turn it on.
	if left := 30 - time.Now().Unix()%30; left < 5 {
		time.Sleep(time.Duration(left) * time.Second)
	}
	r = at.send(t, req("POST", "/api/auth/totp/setup", `{"password":"correct horse battery"}`), &b)
	var setup struct{ Secret string }
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &setup) != nil {
		t.Fatalf("totp setup = %d %s", r.status, r.body)
	}
	secret, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(setup.Secret)
	r = at.send(t, req("POST", "/api/auth/totp/enable", `{"code":"`+auth.TOTPCode(secret, auth.TOTPStep(time.Now()))+`"}`), &b)
	renewed, me := r.signedIn(t, "totp enable", "root@example.com")
	if me.User.TOTPRequired || !me.User.TOTP {
		t.Errorf("after enabling: user = %+v, want totp_enabled and not totp_required", me.User)
	}
	at.send(t, req("GET", "/api/v1/sites", ""), &renewed).want(t, "admin session with two-factor", http.StatusOK, "")
	at.send(t, withKey(), nil).want(t, "admin key with two-factor", http.StatusOK, "")
}

package browsertest

import (
	"encoding/base32"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/footfallhq/footfall/app/auth"
)

// TestAccountSettings: on /account the owner revokes another signed-in
// browser, creates an API key (shown once, and it works) and revokes it,
// changes the password, and turns on two-factor sign-in with the QR
// code's key, getting recovery codes.
func TestAccountSettings(t *testing.T) {
	f := StartFootfall(t, assets, "example.com")
	hash, err := auth.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.App.DB.SetPassword(t.Context(), f.Sites["example.com"].OwnerID, hash); err != nil {
		t.Fatal(err)
	}
	// Another browser signed in.
	res, err := http.Post(f.URL+"/api/auth/login", "application/json", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, ownerEmail, ownerPassword)))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("second sign-in: %v %v", res, err)
	}
	res.Body.Close()

	tab := Browser(t, Options{Width: 1024, Height: 900, Human: true})
	pe := watchErrors(t, tab)
	signIn(t, tab, f, "/account")
	waitFor(t, tab, "two sessions", `document.querySelectorAll('[data-session]').length === 2`)
	Do(t, tab, chromedp.Click(`[data-session]:not([data-current]) button`))
	waitFor(t, tab, "one session", `document.querySelectorAll('[data-session]').length === 1 && document.querySelector('[data-session][data-current]') !== null`)

	// A key, shown once, that works; then revoked.
	setField(t, tab, `input[name=key_name]`, "ci", "input")
	Do(t, tab, chromedp.Click(`#a-keys ~ form button[type=submit]`))
	waitFor(t, tab, "the new key", `document.querySelector('.new-key pre') !== null && document.querySelector('[data-key=ci]') !== null`)
	key := Eval[string](t, tab, `document.querySelector('.new-key pre').innerText`)
	status := func(key string) int {
		req, _ := http.NewRequest("POST", f.URL+"/api/v2/query", strings.NewReader(`{"site_id":"example.com","metrics":["visitors"],"date_range":"7d"}`))
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status(key); got != 200 {
		t.Errorf("the new key's query = %d, want 200", got)
	}
	Do(t, tab, chromedp.Click(`[data-key=ci] button`))
	waitFor(t, tab, "the key gone", `document.querySelector('[data-key=ci]') === null`)
	if got := status(key); got != 401 {
		t.Errorf("the revoked key's query = %d, want 401", got)
	}

	// A new password.
	const newPassword = "a much longer new password"
	setField(t, tab, `input[name=current_password]`, ownerPassword, "input")
	setField(t, tab, `input[name=new_password]`, newPassword, "input")
	Do(t, tab, chromedp.Click(`#a-password ~ form button[type=submit]`))
	waitFor(t, tab, "the change confirmed", `document.querySelector('#a-password ~ form .ok') !== null`)

	// Two-factor sign-in with the key the QR code carries.
	setField(t, tab, `#a-totp ~ form input[name=password]`, newPassword, "input")
	Do(t, tab, chromedp.Click(`#a-totp ~ form button[type=submit]`))
	waitFor(t, tab, "the QR code", `document.querySelector('svg.qr path') !== null && document.querySelector('[data-secret]') !== null`)
	shot(t, tab, "account-totp-setup")
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(Eval[string](t, tab, `document.querySelector('[data-secret]').dataset.secret`))
	if err != nil {
		t.Fatal(err)
	}
	setField(t, tab, `#a-totp ~ form input[name=code]`, auth.TOTPCode(secret, auth.TOTPStep(time.Now())), "input")
	Do(t, tab, chromedp.Click(`#a-totp ~ form button[type=submit]`))
	waitFor(t, tab, "the recovery codes", `document.querySelectorAll('.recovery-codes li').length >= 8`)
	Do(t, tab, chromedp.Click(`.recovery button.secondary`))
	waitFor(t, tab, "two-factor on", `document.querySelector('[data-totp=on]') !== null`)
	// The page's session was renewed: it still works.
	Do(t, tab, chromedp.Reload())
	waitFor(t, tab, "the account page again", `document.querySelector('[data-totp=on]') !== null && document.querySelectorAll('[data-session]').length === 1`)
	shot(t, tab, "account")
	pe.check(t)
}

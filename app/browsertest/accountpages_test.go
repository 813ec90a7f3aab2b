package browsertest

import (
	"context"
	"encoding/base32"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/mail/mailtest"
)

// mailbox finds the messages a test expects among what the in-process
// SMTP server received (sign-in notices and the like arrive too).
type mailbox struct {
	srv  *mailtest.Server
	seen int // messages already returned or skipped
}

var mailLinkRE = regexp.MustCompile(`https?://\S+token=[A-Za-z0-9_%-]+`)

// wait waits for the next message to `to` whose subject contains
// subject.
func (mb *mailbox) wait(t *testing.T, to, subject string) mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := mb.srv.Messages()
		for i := mb.seen; i < len(msgs); i++ {
			if m := msgs[i]; len(m.To) == 1 && m.To[0] == to && strings.Contains(m.Subject, subject) {
				mb.seen = i + 1
				return m
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, m := range msgs[mb.seen:] {
				got = append(got, fmt.Sprintf("%v %q", m.To, m.Subject))
			}
			t.Fatalf("no mail to %s about %q; after the last one expected: %v", to, subject, got)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// next is wait, returning the tokened link of the message's text part as
// a path and query (the server's base URL is not the test server's).
func (mb *mailbox) next(t *testing.T, to, subject string) (mailtest.Received, string) {
	t.Helper()
	m := mb.wait(t, to, subject)
	link := mailLinkRE.FindString(m.Text)
	if link == "" {
		t.Fatalf("mail %q to %s has no link: %s", m.Subject, to, m.Text)
	}
	if m.HTML != "" && !strings.Contains(m.HTML, strings.ReplaceAll(link, "&", "&amp;")) {
		t.Errorf("mail %q: the HTML part lacks the link %s", m.Subject, link)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return m, u.RequestURI()
}

// evalAwait evaluates a JavaScript expression whose value is a promise
// and returns what it resolves to.
func evalAwait[T any](t *testing.T, tab context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// fillNewPassword types a new password into both fields.
func fillNewPassword(t *testing.T, tab context.Context, pw string) {
	t.Helper()
	setField(t, tab, `input[name=new_password]`, pw, "input")
	setField(t, tab, `input[name=new_password_again]`, pw, "input")
}

// TestAccountPages drives the account pages in Chromium against one
// server whose mail goes to an in-process SMTP server, as a person would:
// sign-up with the emailed verification link (and a resent one), password
// reset by emailed link (which signs the old session out), sign-in with a
// two-factor code, and an invitation accepted by a new person through the
// emailed link, ending on the team page. One browser and one server serve
// all four; the steps build on each other (the person who signs up is the
// one who resets, turns on two-factor and invites). Sign-in attempts stay
// within the 5 a minute the server allows a client address.
func TestAccountPages(t *testing.T) {
	srv := mailtest.Start(t)
	f := StartFootfallEnv(t, assets, []string{"FOOTFALL_SMTP_URL=" + srv.URL(), "FOOTFALL_REGISTRATION=open"})
	mb := &mailbox{srv: srv}
	tab := Browser(t, Options{Width: 1024, Height: 900, Human: true})
	pe := watchErrors(t, tab)
	const (
		email    = "newcomer@example.test"
		password = "first long passphrase"
		newPass  = "second long passphrase"
		invitee  = "invitee@example.test"
	)

	ok := t.Run("signup with verification", func(t *testing.T) {
		Do(t, tab, chromedp.Navigate(f.URL+"/login"))
		waitFor(t, tab, "the sign-up link", `document.querySelector('a[href="/signup"]') !== null && document.querySelector('a[href="/forgot-password"]') !== null`)
		Do(t, tab, chromedp.Click(`a[href="/signup"]`))
		waitFor(t, tab, "the sign-up form", `location.pathname === '/signup' && document.querySelector('input[name=new_password_again]') !== null`)
		if Eval[bool](t, tab, `document.querySelector('[data-mail-notice]') !== null`) {
			t.Error("the sign-up page says mail is not configured, with SMTP set")
		}
		setField(t, tab, `input[name=email]`, email, "input")
		fillNewPassword(t, tab, "too short")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the weak password refused in words", `(document.querySelector('.error') || {innerText: ''}).innerText.includes('10')`)
		setField(t, tab, `input[name=new_password]`, password, "input")
		setField(t, tab, `input[name=new_password_again]`, password+"!", "input")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the mismatch refused", `(document.querySelector('.error') || {innerText: ''}).innerText.includes('differ')`)
		fillNewPassword(t, tab, password)
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the sites with the banner", `location.pathname === '/sites' && document.querySelector('[data-email-banner]') !== null`)
		if got := Eval[string](t, tab, `document.querySelector('[data-email-banner]').innerText`); !strings.Contains(got, email) {
			t.Errorf("banner = %q, want it to name %s", got, email)
		}
		_, first := mb.next(t, email, "Confirm your email address")
		if !strings.HasPrefix(first, "/verify-email?token=") {
			t.Errorf("verification link %s, want /verify-email?token=…", first)
		}
		// A new link from the banner; the first one stops working.
		Do(t, tab, chromedp.Click(`[data-email-banner] button`))
		waitFor(t, tab, "the resend confirmed", `document.querySelector('[data-email-banner] [data-resent]') !== null`)
		_, second := mb.next(t, email, "Confirm your email address")
		Do(t, tab, chromedp.Navigate(f.URL+first))
		waitFor(t, tab, "the old link refused", `document.querySelector('[data-verified="0"]') !== null`)
		Do(t, tab, chromedp.Navigate(f.URL+second))
		waitFor(t, tab, "the address confirmed", `document.querySelector('[data-verified="1"]') !== null`)
		shot(t, tab, "verify-email")
		Do(t, tab, chromedp.Click(`a.button[href="/sites"]`))
		waitFor(t, tab, "the sites without the banner", `location.pathname === '/sites' && document.querySelector('.topbar') !== null && document.querySelector('[data-email-banner]') === null`)
	})
	if !ok {
		return
	}

	ok = t.Run("password reset signs out everywhere", func(t *testing.T) {
		// The browser is signed in from the sign-up: that session must end.
		Do(t, tab, chromedp.Navigate(f.URL+"/forgot-password"))
		waitFor(t, tab, "the request form", `document.querySelector('input[name=email]') !== null`)
		setField(t, tab, `input[name=email]`, strings.ToUpper(email), "input")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the request taken", `document.querySelector('[data-reset-sent]') !== null`)
		_, link := mb.next(t, email, "Reset your password")
		if !strings.HasPrefix(link, "/reset-password?token=") {
			t.Errorf("reset link %s, want /reset-password?token=…", link)
		}
		Do(t, tab, chromedp.Navigate(f.URL+link))
		waitFor(t, tab, "the new-password form", `document.querySelector('input[name=new_password_again]') !== null`)
		fillNewPassword(t, tab, "short")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the weak password refused in words", `(document.querySelector('.error') || {innerText: ''}).innerText.includes('10')`)
		fillNewPassword(t, tab, newPass)
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the password set", `document.querySelector('[data-reset-done]') !== null`)
		mb.wait(t, email, "Your Footfall password was changed")
		// The link works once.
		Do(t, tab, chromedp.Navigate(f.URL+link))
		waitFor(t, tab, "the form again", `document.querySelector('input[name=new_password_again]') !== null`)
		fillNewPassword(t, tab, "a third long passphrase")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the used link refused", `document.querySelector('.error') !== null && document.querySelector('a[href="/forgot-password"]') !== null`)
		// Signed out: the sites send the browser to sign in.
		Do(t, tab, chromedp.Navigate(f.URL+"/sites"))
		waitFor(t, tab, "the sign-in page", `location.pathname === '/login' && document.querySelector('input[name=password]') !== null`)
		setField(t, tab, `input[name=email]`, email, "input")
		setField(t, tab, `input[name=password]`, newPass, "input")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the sites after sign-in", `location.pathname === '/sites' && document.querySelector('.topbar .user') !== null`)
	})
	if !ok {
		return
	}

	ok = t.Run("sign in with a two-factor code", func(t *testing.T) {
		// Two-factor on through the API, from the signed-in page.
		setup := evalAwait[map[string]any](t, tab, fmt.Sprintf(`(async () => {
			const me = await (await fetch('/api/auth/me')).json()
			const r = await fetch('/api/auth/totp/setup', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token},
				body: JSON.stringify({password: %q})})
			return await r.json()
		})()`, newPass))
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(fmt.Sprint(setup["secret"]))
		if err != nil || len(secret) == 0 {
			t.Fatalf("POST /api/auth/totp/setup = %v (%v)", setup, err)
		}
		step := auth.TOTPStep(time.Now())
		status := evalAwait[float64](t, tab, fmt.Sprintf(`(async () => {
			const me = await (await fetch('/api/auth/me')).json()
			const r = await fetch('/api/auth/totp/enable', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token},
				body: JSON.stringify({code: %q})})
			return r.status
		})()`, auth.TOTPCode(secret, step)))
		if status != 200 {
			t.Fatalf("POST /api/auth/totp/enable = %v", status)
		}
		Do(t, tab, chromedp.Navigate(f.URL+"/sites"))
		waitFor(t, tab, "the sites", `document.querySelector('.topbar button.link') !== null`)
		Do(t, tab, chromedp.Click(`.topbar button.link`))
		waitFor(t, tab, "the sign-in page", `location.pathname === '/login' && document.querySelector('input[name=password]') !== null`)
		setField(t, tab, `input[name=email]`, email, "input")
		setField(t, tab, `input[name=password]`, newPass, "input")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the code step", `document.querySelector('form[data-step=code] input[name=code]') !== null`)
		shot(t, tab, "login-totp")
		setField(t, tab, `input[name=code]`, auth.TOTPCode(secret, step-10), "input")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the wrong code refused in words", `(document.querySelector('.error') || {innerText: ''}).innerText.includes('code')`)
		// The enabling code's step is spent: the next one signs in.
		setField(t, tab, `input[name=code]`, auth.TOTPCode(secret, step+1), "input")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the sites after the second step", `location.pathname === '/sites' && document.querySelector('.topbar .user') !== null`)
	})
	if !ok {
		return
	}

	t.Run("invitation accepted by a new person", func(t *testing.T) {
		// The newcomer owns their personal account: the team page offers
		// invitations, and no transfer or leave for a team of one.
		Do(t, tab, chromedp.Navigate(f.URL+"/account/team"))
		waitFor(t, tab, "the team page", `document.querySelector('[data-account][data-role=owner]') !== null && document.querySelector('[data-member]') !== null && document.querySelector('.invite-form') !== null`)
		if got := Eval[int](t, tab, `document.querySelectorAll('[data-action=transfer], [data-action=leave], [data-action=remove]').length`); got != 0 {
			t.Errorf("the owner alone sees %d member actions, want none", got)
		}
		account := Eval[string](t, tab, `document.querySelector('[data-account-name]').dataset.accountName`)
		setField(t, tab, `input[name=invite_email]`, invitee, "input")
		setField(t, tab, `select[name=invite_role]`, "editor", "change")
		Do(t, tab, chromedp.Click(`.invite-form button[type=submit]`))
		waitFor(t, tab, "the invitation listed", fmt.Sprintf(`document.querySelector('[data-invited=%q]') !== null && document.querySelector('[data-invitation=%q]') !== null`, invitee, invitee))
		_, first := mb.next(t, invitee, "invites you")
		// Sent again: the new link replaces the first.
		Do(t, tab, chromedp.Click(fmt.Sprintf(`[data-invitation=%q] [data-action=resend]`, invitee)))
		_, link := mb.next(t, invitee, "invites you")
		if !strings.HasPrefix(link, "/invitation?token=") || link == first {
			t.Errorf("invitation links %s then %s, want two different /invitation?token=… links", first, link)
		}
		shot(t, tab, "team-owner")
		Do(t, tab, chromedp.Click(`.topbar button.link`))
		waitFor(t, tab, "signed out", `location.pathname === '/login'`)

		Do(t, tab, chromedp.Navigate(f.URL+first))
		waitFor(t, tab, "the replaced link refused", `document.querySelector('[data-invitation=invalid]') !== null`)
		Do(t, tab, chromedp.Navigate(f.URL+link))
		waitFor(t, tab, "the invitation", `document.querySelector('[data-invitation-account]') !== null && document.querySelector('input[name=new_password_again]') !== null`)
		if got := Eval[string](t, tab, `document.querySelector('[data-invitation-account]').innerText`); !strings.Contains(got, account) || !strings.Contains(got, "editor") || !strings.Contains(got, invitee) {
			t.Errorf("invitation page says %q, want the account %q, the role and the address", got, account)
		}
		shot(t, tab, "invitation")
		fillNewPassword(t, tab, "invited long passphrase")
		Do(t, tab, chromedp.Click(`form button[type=submit]`))
		waitFor(t, tab, "the joined account's team", fmt.Sprintf(`location.pathname === '/account/team' && document.querySelector('[data-account-name=%q][data-account-name]') !== null &&
			document.querySelector('[data-account][data-role=editor]') !== null && document.querySelectorAll('[data-member]').length === 2`, account))
		if got := Eval[string](t, tab, `document.querySelector('.topbar .user').innerText`); got != invitee {
			t.Errorf("signed in as %q after accepting, want %s", got, invitee)
		}
		// An editor sees the members, may leave, and is offered nothing else.
		if got := Eval[string](t, tab, `[...document.querySelectorAll('[data-member]')].map((li) => li.dataset.member + ':' + li.dataset.memberRole).join(' ')`); got != email+":owner "+invitee+":editor" {
			t.Errorf("members = %s", got)
		}
		if got := Eval[string](t, tab, `[...document.querySelectorAll('[data-action]')].map((b) => b.dataset.action).join(' ') + (document.querySelector('.invite-form, [data-member] select') ? ' +manage' : '')`); got != "leave" {
			t.Errorf("an editor is offered %q, want leave only", got)
		}
		if !Eval[bool](t, tab, `document.querySelector('select[name=account]') !== null && document.querySelectorAll('select[name=account] option').length === 2`) {
			t.Error("no account switcher for a member of two accounts")
		}
		shot(t, tab, "team-editor")
		// The invited address needs no confirmation: the mail reached it.
		if Eval[bool](t, tab, `document.querySelector('[data-email-banner]') !== null`) {
			t.Error("the banner asks the invited person to confirm their address")
		}
	})
	pe.check(t)
}

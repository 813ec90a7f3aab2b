package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSharedDashboard: the owner makes a password-protected shared link
// in the site's settings; signed out, the link asks for the password,
// refuses a wrong one, then shows the dashboard read-only with the API's
// numbers, filters by a click without leaving the link; the embed keeps
// its theme and parameters; revoking the link ends it.
func TestSharedDashboard(t *testing.T) {
	f := seeded(t, 3000, 30)
	tab := Browser(t, Options{Width: 1280, Height: 900})
	pe := watchErrors(t, tab)

	signIn(t, tab, f, "/example.com/settings")
	waitFor(t, tab, "the shared links section", `document.querySelector('input[name=link_name]') !== null`)
	setField(t, tab, `input[name=link_name]`, "Board", "input")
	setField(t, tab, `input[name=link_password]`, "open sesame 42", "input")
	Do(t, tab, chromedp.Click(`#s-links ~ form button[type=submit]`))
	waitFor(t, tab, "the new link", `document.querySelector('.link-list li[data-link=Board]') !== null`)
	link := Eval[string](t, tab, `document.querySelector('.link-list li[data-link=Board]').dataset.url`)
	slug := link[strings.LastIndex(link, "/")+1:]
	if !strings.Contains(Eval[string](t, tab, `document.querySelector('.link-list li[data-link=Board]').innerText`), "password protected") {
		t.Errorf("the new link does not say it is password protected")
	}
	shot(t, tab, "settings-shared-links")

	// Signed out, the link asks for its password.
	status, err := chromedp.Run(tab, chromedp.Evaluate[int](`fetch('/api/auth/me').then((r) => r.json()).then((me) =>
		fetch('/api/auth/logout', {method: 'POST', headers: {'X-CSRF-Token': me.csrf_token}})).then((r) => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 204 {
		t.Fatalf("sign out = %d, %v", status, err)
	}
	Do(t, tab, chromedp.Navigate(f.URL+"/share/"+slug))
	waitFor(t, tab, "the password form", `document.querySelector('.share-password input[name=password]') !== null`)
	if Eval[bool](t, tab, `document.body.innerText.includes('example.com')`) {
		t.Errorf("the locked page names the site")
	}
	setField(t, tab, `input[name=password]`, "guess", "input")
	Do(t, tab, chromedp.Click(`.share-password button[type=submit]`))
	waitFor(t, tab, "the refusal", `document.querySelector('.share-password .error') !== null`)
	setField(t, tab, `input[name=password]`, "open sesame 42", "input")
	Do(t, tab, chromedp.Click(`.share-password button[type=submit]`))
	waitFor(t, tab, "the shared dashboard", dashboardLoaded)
	checkTopStats(t, tab, f, `"30d"`, nil)
	checkPanel(t, tab, f, panelTabs[0], `"30d"`, nil)
	if Eval[bool](t, tab, `document.querySelector('.site-nav, .topbar, a[href$="/settings"], a[href="/sites"]') !== null`) {
		t.Errorf("the shared dashboard links to settings or other sites")
	}

	// A click filters, and the view stays on the link.
	country := Eval[string](t, tab, `document.querySelector('.panel[data-panel=locations] .rows li').dataset.value`)
	Do(t, tab, chromedp.Click(`.panel[data-panel=locations] .rows li button`))
	waitFor(t, tab, "the filter chip", fmt.Sprintf(`document.querySelector('.chip[data-filter="visit:country|%s"]') !== null`, country))
	waitFor(t, tab, "the filtered dashboard", dashboardLoaded)
	if got, want := Eval[string](t, tab, `location.pathname + location.search`), "/share/"+slug+"?f=is%7Cvisit%3Acountry%7C"+country; got != want {
		t.Errorf("filtered shared view at %q, want %q", got, want)
	}
	checkTopStats(t, tab, f, `"30d"`, [][]any{{"is", "visit:country", []string{country}}})

	// The password's cookie is remembered: a reload shows the dashboard.
	Do(t, tab, chromedp.Reload())
	waitFor(t, tab, "the dashboard after a reload", dashboardLoaded)

	// The embed: its own theme, and its parameters kept on every view.
	Do(t, tab, chromedp.Navigate(f.URL+"/share/"+slug+"?embed=true&theme=dark&background=transparent"))
	waitFor(t, tab, "the embedded dashboard", dashboardLoaded)
	if got := Eval[string](t, tab, `document.documentElement.dataset.theme + ' ' + document.documentElement.dataset.background + ' ' + getComputedStyle(document.body).backgroundColor`); got != "dark transparent rgba(0, 0, 0, 0)" {
		t.Errorf("embed theme, background = %q", got)
	}
	Do(t, tab, chromedp.KeyEvent("7"))
	waitFor(t, tab, "the 7-day embed", `new URLSearchParams(location.search).get('period') === '7d' && new URLSearchParams(location.search).get('embed') === 'true' && new URLSearchParams(location.search).get('theme') === 'dark'`)
	waitFor(t, tab, "the 7-day embedded dashboard", dashboardLoaded)
	Do(t, tab, chromedp.Sleep(300e6))
	shot(t, tab, "shared-embed-dark")
	pe.check(t)

	// Revoked, the link is gone.
	signIn(t, tab, f, "/example.com/settings")
	waitFor(t, tab, "the link list", `document.querySelector('.link-list li[data-link=Board]') !== null`)
	Do(t, tab, chromedp.Click(`.link-list li[data-link=Board] button[aria-label^=Revoke]`))
	waitFor(t, tab, "the link gone", `document.querySelector('.link-list li[data-link=Board]') === null`)
	Do(t, tab, chromedp.Navigate(f.URL+"/share/"+slug))
	waitFor(t, tab, "the revoked link's page", `document.body.innerText.includes('revoked')`)
	pe.check(t)
}

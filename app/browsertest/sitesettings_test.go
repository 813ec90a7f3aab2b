package browsertest

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSiteSettings: the time zone, a funnel, a stats reset and the domain
// are changed on the settings page, and each change is in the database
// and still shown after a reload.
func TestSiteSettings(t *testing.T) {
	f := seeded(t, 1500, 30)
	ctx := t.Context()
	site := f.Sites["example.com"]
	tab := Browser(t, Options{Width: 1280, Height: 900})
	pe := watchErrors(t, tab)
	const ready = `document.querySelector('.site-form select[name=timezone]') !== null && document.querySelector('[data-funnel]') !== null && document.querySelector('.skeleton') === null`
	signIn(t, tab, f, "/example.com/settings")
	waitFor(t, tab, "the settings", ready)

	// Time zone.
	setField(t, tab, `.site-form select[name=timezone]`, "Asia/Tokyo", "change")
	Do(t, tab, chromedp.Click(`.site-form button[type=submit]`))
	waitFor(t, tab, "saved", `document.querySelector('.site-form [role=status]') !== null`)
	if s, err := f.App.DB.SiteByID(ctx, site.ID); err != nil || s.TimeZone != "Asia/Tokyo" {
		t.Errorf("site after saving the time zone: %+v, %v", s, err)
	}
	Do(t, tab, chromedp.Reload())
	waitFor(t, tab, "the reloaded settings", ready)
	if tz := Eval[string](t, tab, `document.querySelector('.site-form select[name=timezone]').value`); tz != "Asia/Tokyo" {
		t.Errorf("time zone after a reload: %q", tz)
	}

	// A funnel from two goals.
	goals, err := f.App.DB.ListGoals(ctx, site.ID)
	if err != nil || len(goals) < 2 {
		t.Fatalf("goals: %v, %v", goals, err)
	}
	setField(t, tab, `.funnel-form input[name=funnel_name]`, "Pricing to signup", "input")
	setField(t, tab, `.funnel-form select[name=step_1]`, strconv.FormatInt(goals[1].ID, 10), "change")
	setField(t, tab, `.funnel-form select[name=step_2]`, strconv.FormatInt(goals[0].ID, 10), "change")
	Do(t, tab, chromedp.Click(`.funnel-form button[type=submit]`))
	waitFor(t, tab, "the new funnel", `document.querySelector('[data-funnel="Pricing to signup"]') !== null`)
	funnels, err := f.App.DB.ListFunnels(ctx, site.ID)
	if err != nil || len(funnels) != 2 || funnels[1].Name != "Pricing to signup" || len(funnels[1].Steps) != 2 ||
		funnels[1].Steps[0] != goals[1].Goal || funnels[1].Steps[1] != goals[0].Goal {
		t.Errorf("funnels after adding one: %+v, %v", funnels, err)
	}
	Do(t, tab, chromedp.Reload())
	waitFor(t, tab, "the funnel after a reload", ready+` && document.querySelector('[data-funnel="Pricing to signup"]') !== null`)
	shot(t, tab, "settings-desktop")
	Do(t, tab, chromedp.Click(`[data-funnel="Pricing to signup"] button`))
	waitFor(t, tab, "the funnel removed", `document.querySelector('[data-funnel="Pricing to signup"]') === null`)
	if funnels, _ := f.App.DB.ListFunnels(ctx, site.ID); len(funnels) != 1 {
		t.Errorf("funnels after removing one: %+v", funnels)
	}

	// Reset: every event goes, the site stays.
	if n, _ := f.App.Events.Count(ctx, site.ID, time.Time{}, time.Time{}); n == 0 {
		t.Fatal("no events before the reset")
	}
	setField(t, tab, `.reset-stats input[name=confirm_reset]`, "example.com", "input")
	Do(t, tab, chromedp.Click(`.reset-stats button[type=submit]`))
	waitFor(t, tab, "the reset", `document.querySelector('[data-reset=done]') !== null`)
	if n, err := f.App.Events.Count(ctx, site.ID, time.Time{}, time.Time{}); err != nil || n != 0 {
		t.Errorf("events after the reset: %d, %v", n, err)
	}
	if r := apiQuery(t, f, `{"site_id":"example.com","metrics":["visitors"],"date_range":"30d"}`); len(r.Results) > 0 && r.Results[0].Metrics[0] != 0 {
		t.Errorf("visitors after the reset: %v", r.Results)
	}

	// The domain: the page follows the site to its new name.
	setField(t, tab, `.site-form input[name=domain]`, "renamed.example", "input")
	Do(t, tab, chromedp.Click(`.site-form button[type=submit]`))
	waitFor(t, tab, "the renamed site's settings", `location.pathname === '/renamed.example/settings' && document.querySelector('.site-title').innerText === 'renamed.example'`)
	if s, err := f.App.DB.SiteByDomain(ctx, "renamed.example"); err != nil || s.ID != site.ID || s.TimeZone != "Asia/Tokyo" {
		t.Errorf("renamed site: %+v, %v", s, err)
	}
	Do(t, tab, chromedp.Reload())
	waitFor(t, tab, "the renamed settings after a reload", ready)
	if d := Eval[string](t, tab, `document.querySelector('.site-form input[name=domain]').value`); d != "renamed.example" {
		t.Errorf("domain after a reload: %q", d)
	}
	pe.check(t)

	phone := Browser(t, Options{Width: 500, Height: 780})
	Do(t, phone, chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	signIn(t, phone, f, "/renamed.example/settings")
	waitFor(t, phone, "the phone settings", ready)
	if w := Eval[int](t, phone, `document.documentElement.scrollWidth`); w > 360 {
		wide := Eval[[]string](t, phone, `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 361).slice(0, 5).map((e) => e.tagName + '.' + e.className)`)
		t.Errorf("at 360 px the settings are %d px wide: %v", w, wide)
	}
	shot(t, phone, "settings-phone")
}

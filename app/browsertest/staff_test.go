package browsertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/store"
)

// TestStaffAdminUI drives the staff page /admin as staff would: refused in
// words until two-factor is on; then an account found by its domain,
// opened and blocked with a reason (its events refused from then on); a
// pending deletion request approved (the account soft-deleted); and both
// actions in the audit log tab.
func TestStaffAdminUI(t *testing.T) {
	f := StartFootfall(t, assets, "example.com")
	ctx := t.Context()
	owner := f.Sites["example.com"].OwnerID
	hash, err := auth.HashPassword(ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.App.DB.SetPassword(ctx, owner, hash); err != nil {
		t.Fatal(err)
	}
	// Two more accounts: spam (to block) and ann (who asked to be deleted).
	site := func(email, domain string) store.Site {
		u, err := f.App.DB.CreateUser(ctx, store.User{Email: email})
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.App.DB.CreateSite(ctx, store.Site{Domain: domain, TimeZone: "UTC", OwnerID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	spam, ann := site("spam@example.net", "spam.example"), site("ann@example.org", "ann.example")
	annOwner, err := f.App.DB.UserByEmail(ctx, "ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.Staff.RequestDeletion(ctx, staff.Actor{ID: annOwner.ID, Email: annOwner.Email}, ann.AccountID, "moving on"); err != nil {
		t.Fatal(err)
	}

	tab := Browser(t, Options{Width: 1100, Height: 900, Human: true})
	pe := watchErrors(t, tab)
	signIn(t, tab, f, "/admin")
	waitFor(t, tab, "the two-factor refusal", `document.querySelector('.error') !== null`)
	if msg := Eval[string](t, tab, `document.querySelector('.error').innerText`); !strings.Contains(msg, "two-factor") {
		t.Errorf("staff without two-factor see %q", msg)
	}
	staffTwoFactor(t, f.App.DB, owner)
	Do(t, tab, chromedp.Reload())

	// Search by domain, open, block.
	waitFor(t, tab, "the accounts", `document.querySelectorAll('tr[data-account]').length === 3`)
	setField(t, tab, `input[name=q]`, "SPAM.example", "input")
	Do(t, tab, chromedp.Click(`form.admin-search button[type=submit]`))
	row := fmt.Sprintf(`tr[data-account="%d"]`, spam.AccountID)
	waitFor(t, tab, "the search result", `document.querySelectorAll('tr[data-account]').length === 1 && document.querySelector('`+row+`') !== null`)
	if got := Eval[string](t, tab, `document.querySelector('`+row+`').innerText`); !strings.Contains(got, "spam@example.net") || !strings.Contains(got, "active") {
		t.Errorf("search row = %q", got)
	}
	Do(t, tab, chromedp.Click(fmt.Sprintf(`button[data-open="%d"]`, spam.AccountID)))
	waitFor(t, tab, "the account detail", fmt.Sprintf(`document.querySelector('[data-detail="%d"] input[name=block_reason]') !== null`, spam.AccountID))
	setField(t, tab, `input[name=block_reason]`, "card testing", "input")
	Do(t, tab, chromedp.Click(`.account-detail button[type=submit]`))
	waitFor(t, tab, "the blocked account", fmt.Sprintf(`document.querySelector('[data-detail="%d"][data-state=blocked]') !== null`, spam.AccountID))
	if st, err := f.App.DB.AccountState(ctx, spam.AccountID); err != nil || !st.Blocked() || st.BlockReason != "card testing" || st.BlockedBy != owner {
		t.Errorf("spam's state after the block: %+v, %v", st, err)
	}
	res, err := http.Post(f.URL+"/api/event", "text/plain", strings.NewReader(`{"n":"pageview","u":"https://spam.example/","d":"spam.example"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("event of the blocked account = %d, want 403", res.StatusCode)
	}

	// Approve ann's deletion request.
	del := fmt.Sprintf(`li[data-deletion="%d"]`, ann.AccountID)
	waitFor(t, tab, "ann's deletion request", `document.querySelector('`+del+`') !== null`)
	Do(t, tab, chromedp.Click(fmt.Sprintf(`button[data-approve="%d"]`, ann.AccountID)))
	Do(t, tab, chromedp.Click(fmt.Sprintf(`button[data-confirm-approve="%d"]`, ann.AccountID)))
	waitFor(t, tab, "the request gone from the list", `document.querySelector('`+del+`') === null`)
	if st, err := f.App.DB.AccountState(ctx, ann.AccountID); err != nil || !st.Deleted() || st.DestroyAfter.Sub(st.DeletedAt) != staff.DestroyDelay {
		t.Errorf("ann's state after the approval: %+v, %v", st, err)
	}

	// The audit log tab shows both actions.
	Do(t, tab, chromedp.Click(`button[data-tab=audit]`))
	waitFor(t, tab, "the audit entries", `document.querySelector('tr[data-action="account.block"]') !== null && document.querySelector('tr[data-action="account.delete"]') !== null`)
	if got := Eval[string](t, tab, `document.querySelector('tr[data-action="account.block"]').innerText`); !strings.Contains(got, ownerEmail) || !strings.Contains(got, "card testing") {
		t.Errorf("block entry = %q", got)
	}
	if n := Eval[int](t, tab, `document.querySelectorAll('.admin-tabs a[href="/admin/jobs"]').length`); n != 1 {
		t.Errorf("links to the jobs page: %d", n)
	}
	shot(t, tab, "admin")
	pe.check(t)
}

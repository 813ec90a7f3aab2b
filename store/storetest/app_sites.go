package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

func appTestCreateSite(t *testing.T, a store.App) {
	ctx := t.Context()
	got, err := a.CreateSite(ctx, store.Site{ID: 999, Domain: "Example.COM", TimeZone: "Europe/Berlin", CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	if got.ID == 0 {
		t.Errorf("CreateSite: ID = 0, want an assigned ID")
	}
	want := store.Site{ID: got.ID, Domain: "example.com", TimeZone: "Europe/Berlin", CreatedAt: appMS(appTime)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateSite returned (-want +got):\n%s", diff)
	}

	byID, err := a.SiteByID(ctx, got.ID)
	if err != nil {
		t.Fatalf("SiteByID(%d): %v", got.ID, err)
	}
	if diff := cmp.Diff(want, byID); diff != "" {
		t.Errorf("SiteByID(%d) (-want +got):\n%s", got.ID, diff)
	}
	for _, domain := range []string{"example.com", "EXAMPLE.COM", "eXample.Com"} {
		byDomain, err := a.SiteByDomain(ctx, domain)
		if err != nil {
			t.Fatalf("SiteByDomain(%q): %v", domain, err)
		}
		if diff := cmp.Diff(want, byDomain); diff != "" {
			t.Errorf("SiteByDomain(%q) (-want +got):\n%s", domain, diff)
		}
	}
}

func appTestCreateSiteDefaultsCreatedAt(t *testing.T, a store.App) {
	ctx := t.Context()
	before := time.Now()
	got, err := a.CreateSite(ctx, store.Site{Domain: "example.com", TimeZone: "UTC"})
	after := time.Now()
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	appWithin(t, "CreateSite", got.CreatedAt, before, after)
	stored, err := a.SiteByID(ctx, got.ID)
	if err != nil {
		t.Fatalf("SiteByID(%d): %v", got.ID, err)
	}
	if !stored.CreatedAt.Equal(got.CreatedAt) {
		t.Errorf("SiteByID(%d).CreatedAt = %v, want %v as CreateSite returned", got.ID, stored.CreatedAt, got.CreatedAt)
	}
}

func appTestCreateSiteOwner(t *testing.T, a store.App) {
	ctx := t.Context()
	u := appUser(t, a, "owner@example.com")
	owned, err := a.CreateSite(ctx, store.Site{Domain: "owned.example", TimeZone: "UTC", OwnerID: u.ID})
	if err != nil {
		t.Fatalf("CreateSite(owner %d): %v", u.ID, err)
	}
	unowned, err := a.CreateSite(ctx, store.Site{Domain: "unowned.example", TimeZone: "UTC"})
	if err != nil {
		t.Fatalf("CreateSite(no owner): %v", err)
	}
	for _, want := range []store.Site{owned, unowned} {
		got, err := a.SiteByID(ctx, want.ID)
		if err != nil {
			t.Fatalf("SiteByID(%d): %v", want.ID, err)
		}
		if got.OwnerID != want.OwnerID {
			t.Errorf("SiteByID(%d).OwnerID = %d, want %d", want.ID, got.OwnerID, want.OwnerID)
		}
	}
	if owned.OwnerID != u.ID || unowned.OwnerID != 0 {
		t.Errorf("CreateSite OwnerIDs = %d, %d; want %d, 0", owned.OwnerID, unowned.OwnerID, u.ID)
	}
}

func appTestCreateSiteConflict(t *testing.T, a store.App) {
	ctx := t.Context()
	if _, err := a.CreateSite(ctx, store.Site{Domain: "example.com", TimeZone: "UTC"}); err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	for _, domain := range []string{"example.com", "Example.Com"} {
		_, err := a.CreateSite(ctx, store.Site{Domain: domain, TimeZone: "Europe/Paris"})
		appWantErr(t, "CreateSite("+domain+") again", err, store.ErrConflict)
	}
	sites, err := a.ListSites(ctx)
	if err != nil || len(sites) != 1 {
		t.Errorf("ListSites() after conflicts = %v, %v; want one site", sites, err)
	}
}

func appTestSiteNotFound(t *testing.T, a store.App) {
	ctx := t.Context()
	site, err := a.CreateSite(ctx, store.Site{Domain: "example.com", TimeZone: "UTC"})
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	_, err = a.SiteByID(ctx, site.ID+1000)
	appWantErr(t, "SiteByID(missing)", err, store.ErrNotFound)
	_, err = a.SiteByDomain(ctx, "missing.example.com")
	appWantErr(t, "SiteByDomain(missing)", err, store.ErrNotFound)
	_, err = a.SiteByDomain(ctx, "www.example.com")
	appWantErr(t, "SiteByDomain(subdomain of a site)", err, store.ErrNotFound)
	appWantErr(t, "DeleteSite(missing)", a.DeleteSite(ctx, site.ID+1000), store.ErrNotFound)
}

func appTestListSites(t *testing.T, a store.App) {
	ctx := t.Context()
	empty, err := a.ListSites(ctx)
	if err != nil || len(empty) != 0 {
		t.Fatalf("ListSites() on an empty store = %v, %v; want none", empty, err)
	}
	// Created out of alphabetical order: the list follows IDs, not domains.
	var want []store.Site
	for _, d := range []string{"c.example", "a.example", "b.example"} {
		s, err := a.CreateSite(ctx, store.Site{Domain: d, TimeZone: "UTC", CreatedAt: appTime})
		if err != nil {
			t.Fatalf("CreateSite(%q): %v", d, err)
		}
		want = append(want, s)
	}
	got, err := a.ListSites(ctx)
	if err != nil {
		t.Fatalf("ListSites: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListSites() (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID {
			t.Errorf("ListSites() IDs %d, %d not ascending", got[i-1].ID, got[i].ID)
		}
	}
}

func appTestDeleteSite(t *testing.T, a store.App) {
	ctx := t.Context()
	gone, err := a.CreateSite(ctx, store.Site{Domain: "gone.example", TimeZone: "UTC"})
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	kept, err := a.CreateSite(ctx, store.Site{Domain: "kept.example", TimeZone: "UTC"})
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	if err := a.DeleteSite(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteSite(%d): %v", gone.ID, err)
	}
	_, err = a.SiteByID(ctx, gone.ID)
	appWantErr(t, "SiteByID(deleted)", err, store.ErrNotFound)
	_, err = a.SiteByDomain(ctx, gone.Domain)
	appWantErr(t, "SiteByDomain(deleted)", err, store.ErrNotFound)
	appWantErr(t, "DeleteSite(deleted)", a.DeleteSite(ctx, gone.ID), store.ErrNotFound)

	sites, err := a.ListSites(ctx)
	if err != nil {
		t.Fatalf("ListSites: %v", err)
	}
	if len(sites) != 1 || sites[0].ID != kept.ID {
		t.Errorf("ListSites() after delete = %v, want only %v", sites, kept)
	}
	// The domain is free again.
	if _, err := a.CreateSite(ctx, store.Site{Domain: gone.Domain, TimeZone: "UTC"}); err != nil {
		t.Errorf("CreateSite(%q) after its deletion: %v", gone.Domain, err)
	}
}

// appTestUpdateSite: a site's domain (lower-cased) and time zone change,
// nothing else does; a taken domain is ErrConflict and changes nothing; a
// missing site is ErrNotFound.
func appTestUpdateSite(t *testing.T, a store.App) {
	ctx := t.Context()
	site, err := a.CreateSite(ctx, store.Site{Domain: "old.example", TimeZone: "UTC"})
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	other, err := a.CreateSite(ctx, store.Site{Domain: "other.example", TimeZone: "UTC"})
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	got, err := a.UpdateSite(ctx, store.Site{ID: site.ID, Domain: "New.Example", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatalf("UpdateSite: %v", err)
	}
	want := site
	want.Domain, want.TimeZone = "new.example", "Europe/Berlin"
	if got != want {
		t.Errorf("UpdateSite() = %+v, want %+v", got, want)
	}
	if s, err := a.SiteByDomain(ctx, "new.example"); err != nil || s != want {
		t.Errorf("SiteByDomain(new) = %+v, %v; want %+v", s, err, want)
	}
	_, err = a.SiteByDomain(ctx, "old.example")
	appWantErr(t, "SiteByDomain(old domain)", err, store.ErrNotFound)

	_, err = a.UpdateSite(ctx, store.Site{ID: site.ID, Domain: other.Domain, TimeZone: "UTC"})
	appWantErr(t, "UpdateSite(taken domain)", err, store.ErrConflict)
	if s, err := a.SiteByID(ctx, site.ID); err != nil || s != want {
		t.Errorf("SiteByID after a refused update = %+v, %v; want %+v", s, err, want)
	}
	_, err = a.UpdateSite(ctx, store.Site{ID: other.ID + 1000, Domain: "none.example", TimeZone: "UTC"})
	appWantErr(t, "UpdateSite(missing)", err, store.ErrNotFound)
}

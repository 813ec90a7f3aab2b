package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appTestSharedLinks checks store.SharedLinks: creation as stored, lookup
// by slug, listing order, conflicts, deletion scoped to the site, and the
// cascade from sites.
func appTestSharedLinks(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "www")
	other := appSite(t, a, "other")

	open, err := a.CreateSharedLink(ctx, store.SharedLink{ID: 999, SiteID: site.ID, Slug: "slug-open", Name: "Public", CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateSharedLink(open): %v", err)
	}
	locked, err := a.CreateSharedLink(ctx, store.SharedLink{SiteID: site.ID, Slug: "slug-locked", Name: "Board",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", CreatedAt: appTime.Add(time.Second)})
	if err != nil {
		t.Fatalf("CreateSharedLink(locked): %v", err)
	}
	if open.ID == 0 || open.ID == 999 || locked.ID == open.ID {
		t.Errorf("CreateSharedLink IDs = %d, %d; want two new, distinct IDs", open.ID, locked.ID)
	}
	want := []store.SharedLink{
		{ID: open.ID, SiteID: site.ID, Slug: "slug-open", Name: "Public", CreatedAt: appMS(appTime)},
		{ID: locked.ID, SiteID: site.ID, Slug: "slug-locked", Name: "Board", PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", CreatedAt: appMS(appTime.Add(time.Second))},
	}
	if diff := cmp.Diff(want, []store.SharedLink{open, locked}); diff != "" {
		t.Errorf("CreateSharedLink returned (-want +got):\n%s", diff)
	}
	got, err := a.ListSharedLinks(ctx, site.ID)
	if err != nil {
		t.Fatalf("ListSharedLinks(%d): %v", site.ID, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListSharedLinks(%d) (-want +got):\n%s", site.ID, diff)
	}
	byslug, err := a.SharedLinkBySlug(ctx, "slug-locked")
	if err != nil || !cmp.Equal(byslug, want[1]) {
		t.Errorf("SharedLinkBySlug(slug-locked) = %+v, %v; want %+v", byslug, err, want[1])
	}
	_, err = a.SharedLinkBySlug(ctx, "slug-missing")
	appWantErr(t, "SharedLinkBySlug(missing)", err, store.ErrNotFound)

	// A new link gets CreatedAt now when none is given.
	before := time.Now().Add(-time.Second)
	fresh, err := a.CreateSharedLink(ctx, store.SharedLink{SiteID: other.ID, Slug: "slug-fresh", Name: "Fresh"})
	if err != nil || fresh.CreatedAt.Before(before) || fresh.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("CreateSharedLink without CreatedAt = %+v, %v; want CreatedAt now", fresh, err)
	}

	// Slugs are unique everywhere, names per site.
	_, err = a.CreateSharedLink(ctx, store.SharedLink{SiteID: other.ID, Slug: "slug-open", Name: "Copy"})
	appWantErr(t, "CreateSharedLink(taken slug)", err, store.ErrConflict)
	_, err = a.CreateSharedLink(ctx, store.SharedLink{SiteID: site.ID, Slug: "slug-new", Name: "Public"})
	appWantErr(t, "CreateSharedLink(taken name)", err, store.ErrConflict)
	if _, err = a.CreateSharedLink(ctx, store.SharedLink{SiteID: other.ID, Slug: "slug-other", Name: "Public"}); err != nil {
		t.Errorf("CreateSharedLink(another site's name) = %v, want it stored", err)
	}
	_, err = a.CreateSharedLink(ctx, store.SharedLink{SiteID: 1 << 40, Slug: "slug-nosite", Name: "X"})
	appWantErr(t, "CreateSharedLink(missing site)", err, store.ErrNotFound)

	// Deleting is scoped to the site.
	appWantErr(t, "DeleteSharedLink(other site, this site's link)", a.DeleteSharedLink(ctx, other.ID, open.ID), store.ErrNotFound)
	if err := a.DeleteSharedLink(ctx, site.ID, open.ID); err != nil {
		t.Errorf("DeleteSharedLink(%d, %d): %v", site.ID, open.ID, err)
	}
	appWantErr(t, "DeleteSharedLink(again)", a.DeleteSharedLink(ctx, site.ID, open.ID), store.ErrNotFound)
	_, err = a.SharedLinkBySlug(ctx, "slug-open")
	appWantErr(t, "SharedLinkBySlug(deleted)", err, store.ErrNotFound)

	// A site's links go with it, and only its own.
	if err := a.DeleteSite(ctx, site.ID); err != nil {
		t.Fatalf("DeleteSite(%d): %v", site.ID, err)
	}
	_, err = a.SharedLinkBySlug(ctx, "slug-locked")
	appWantErr(t, "SharedLinkBySlug(link of a deleted site)", err, store.ErrNotFound)
	if links, err := a.ListSharedLinks(ctx, other.ID); err != nil || len(links) != 2 {
		t.Errorf("ListSharedLinks(other site) after deleting the first = %v, %v; want 2 links", links, err)
	}
}

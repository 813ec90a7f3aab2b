package storetest

import (
	"path"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appTestGoals runs the goal and funnel cases one after the other on one
// store; each names its sites after itself, so they do not meet.
func appTestGoals(t *testing.T, a store.App) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, a store.App)
	}{
		{"CreateGoal", appTestCreateGoal},
		{"CreateGoalDefaultsCreatedAt", appTestCreateGoalDefaultsCreatedAt},
		{"ListOrder", appTestListGoalsOrder},
		{"Conflict", appTestGoalConflict},
		{"NotFound", appTestGoalNotFound},
		{"Delete", appTestDeleteGoal},
		{"SitesIsolated", appTestGoalsIsolated},
		{"DeleteSiteCascades", appTestDeleteSiteCascades},
		{"FunnelSteps", appTestFunnelSteps},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, a) })
	}
}

// appSite creates a site named label.<test name>.test or fails the test.
func appSite(t testing.TB, a store.App, label string) store.Site {
	t.Helper()
	domain := label + "." + strings.ToLower(path.Base(t.Name())) + ".test"
	s, err := a.CreateSite(t.Context(), store.Site{Domain: domain, TimeZone: "UTC", CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateSite(%q): %v", domain, err)
	}
	return s
}

// appGoal creates a goal or fails the test.
func appGoal(t testing.TB, a store.App, g store.SiteGoal) store.SiteGoal {
	t.Helper()
	got, err := a.CreateGoal(t.Context(), g)
	if err != nil {
		t.Fatalf("CreateGoal(%+v): %v", g, err)
	}
	return got
}

// appFunnel creates a funnel or fails the test.
func appFunnel(t testing.TB, a store.App, f store.Funnel) store.Funnel {
	t.Helper()
	got, err := a.CreateFunnel(t.Context(), f)
	if err != nil {
		t.Fatalf("CreateFunnel(%+v): %v", f, err)
	}
	return got
}

// appSteps is a funnel of eight steps, events and pages mixed, in an order
// that is neither alphabetical nor by kind.
var appSteps = []store.Goal{
	{Name: "Visit /pricing", Page: "/pricing"},
	{Name: "Signup", EventName: "Signup"},
	{Name: "Visit /docs/**", Page: "/docs/**"},
	{Name: "Trial started", EventName: "Trial Started"},
	{Name: "Visit /blog/*", Page: "/blog/*"},
	{Name: "Checkout", EventName: "Checkout"},
	{Name: "Visit /welcome", Page: "/welcome"},
	{Name: "Purchase", EventName: "Purchase"},
}

func appTestCreateGoal(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "www")
	event := appGoal(t, a, store.SiteGoal{ID: 999, SiteID: site.ID,
		Goal: store.Goal{Name: "Signup", EventName: "Signup"}, CreatedAt: appTime})
	page := appGoal(t, a, store.SiteGoal{SiteID: site.ID,
		Goal: store.Goal{Name: "Visit /blog/**", Page: "/blog/**"}, CreatedAt: appTime.Add(time.Second)})
	if event.ID == 0 || event.ID == 999 || page.ID == 0 || page.ID == event.ID {
		t.Errorf("CreateGoal IDs = %d, %d; want two new, distinct IDs", event.ID, page.ID)
	}
	want := []store.SiteGoal{
		{ID: event.ID, SiteID: site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}, CreatedAt: appMS(appTime)},
		{ID: page.ID, SiteID: site.ID, Goal: store.Goal{Name: "Visit /blog/**", Page: "/blog/**"}, CreatedAt: appMS(appTime.Add(time.Second))},
	}
	if diff := cmp.Diff(want, []store.SiteGoal{event, page}); diff != "" {
		t.Errorf("CreateGoal returned (-want +got):\n%s", diff)
	}
	got, err := a.ListGoals(ctx, site.ID)
	if err != nil {
		t.Fatalf("ListGoals(%d): %v", site.ID, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListGoals(%d) (-want +got):\n%s", site.ID, diff)
	}
}

func appTestCreateGoalDefaultsCreatedAt(t *testing.T, a store.App) {
	site := appSite(t, a, "www")
	before := time.Now()
	g := appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}})
	appWithin(t, "CreateGoal", g.CreatedAt, before, time.Now())
	f := appFunnel(t, a, store.Funnel{SiteID: site.ID, Name: "Signup", Steps: appSteps[:2]})
	appWithin(t, "CreateFunnel", f.CreatedAt, before, time.Now())
}

// appTestListGoalsOrder creates goals whose CreatedAt runs against their
// IDs: "oldest first" follows CreatedAt, then ID for equal times.
func appTestListGoalsOrder(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "www")
	empty, err := a.ListGoals(ctx, site.ID)
	if err != nil || len(empty) != 0 {
		t.Fatalf("ListGoals(%d) of a site without goals = %v, %v; want none", site.ID, empty, err)
	}
	late := appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "c", EventName: "c"}, CreatedAt: appTime.Add(time.Hour)})
	tie1 := appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "b", EventName: "b"}, CreatedAt: appTime})
	tie2 := appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "a", Page: "/a"}, CreatedAt: appTime})
	got, err := a.ListGoals(ctx, site.ID)
	if err != nil {
		t.Fatalf("ListGoals(%d): %v", site.ID, err)
	}
	if diff := cmp.Diff([]store.SiteGoal{tie1, tie2, late}, got); diff != "" {
		t.Errorf("ListGoals(%d) (-want +got):\n%s", site.ID, diff)
	}

	flate := appFunnel(t, a, store.Funnel{SiteID: site.ID, Name: "late", Steps: appSteps[:2], CreatedAt: appTime.Add(time.Hour)})
	fearly := appFunnel(t, a, store.Funnel{SiteID: site.ID, Name: "early", Steps: appSteps[2:4], CreatedAt: appTime})
	funnels, err := a.ListFunnels(ctx, site.ID)
	if err != nil {
		t.Fatalf("ListFunnels(%d): %v", site.ID, err)
	}
	if diff := cmp.Diff([]store.Funnel{fearly, flate}, funnels); diff != "" {
		t.Errorf("ListFunnels(%d) (-want +got):\n%s", site.ID, diff)
	}
}

func appTestGoalConflict(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "www")
	other := appSite(t, a, "other")
	first := appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}})
	// Same name, whatever the definition: the name is what reports show.
	for _, g := range []store.Goal{{Name: "Signup", EventName: "Signup"}, {Name: "Signup", Page: "/signup"}} {
		_, err := a.CreateGoal(ctx, store.SiteGoal{SiteID: site.ID, Goal: g})
		appWantErr(t, "CreateGoal(same name on the site)", err, store.ErrConflict)
	}
	// The name is unique per site only.
	appGoal(t, a, store.SiteGoal{SiteID: other.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}})
	got, err := a.ListGoals(ctx, site.ID)
	if err != nil || len(got) != 1 || got[0].ID != first.ID {
		t.Errorf("ListGoals(%d) after conflicts = %v, %v; want only %v", site.ID, got, err, first)
	}

	funnel := store.Funnel{SiteID: site.ID, Name: "Signup flow", Steps: appSteps[:2]}
	appFunnel(t, a, funnel)
	funnel.Steps = appSteps[2:5]
	_, err = a.CreateFunnel(ctx, funnel)
	appWantErr(t, "CreateFunnel(same name on the site)", err, store.ErrConflict)
	funnel.SiteID = other.ID
	appFunnel(t, a, funnel)
	funnels, err := a.ListFunnels(ctx, site.ID)
	if err != nil || len(funnels) != 1 {
		t.Errorf("ListFunnels(%d) after a conflict = %v, %v; want one funnel", site.ID, funnels, err)
	}
}

func appTestGoalNotFound(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "www")
	g := appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}})
	f := appFunnel(t, a, store.Funnel{SiteID: site.ID, Name: "Signup", Steps: appSteps[:2]})

	appWantErr(t, "DeleteGoal(missing id)", a.DeleteGoal(ctx, site.ID, g.ID+1000), store.ErrNotFound)
	appWantErr(t, "DeleteFunnel(missing id)", a.DeleteFunnel(ctx, site.ID, f.ID+1000), store.ErrNotFound)
	_, err := a.CreateGoal(ctx, store.SiteGoal{SiteID: site.ID + 1000, Goal: store.Goal{Name: "x", EventName: "x"}})
	appWantErr(t, "CreateGoal(missing site)", err, store.ErrNotFound)
	_, err = a.CreateFunnel(ctx, store.Funnel{SiteID: site.ID + 1000, Name: "x", Steps: appSteps[:2]})
	appWantErr(t, "CreateFunnel(missing site)", err, store.ErrNotFound)
	for _, call := range []struct {
		name string
		n    func() (int, error)
	}{
		{"ListGoals(missing site)", func() (int, error) { l, err := a.ListGoals(ctx, site.ID+1000); return len(l), err }},
		{"ListFunnels(missing site)", func() (int, error) { l, err := a.ListFunnels(ctx, site.ID+1000); return len(l), err }},
	} {
		if n, err := call.n(); n != 0 || err != nil {
			t.Errorf("%s = %d rows, %v; want none, no error", call.name, n, err)
		}
	}
}

func appTestDeleteGoal(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "www")
	gone := appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}, CreatedAt: appTime})
	kept := appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: store.Goal{Name: "Visit /", Page: "/"}, CreatedAt: appTime})
	if err := a.DeleteGoal(ctx, site.ID, gone.ID); err != nil {
		t.Fatalf("DeleteGoal(%d, %d): %v", site.ID, gone.ID, err)
	}
	appWantErr(t, "DeleteGoal(deleted)", a.DeleteGoal(ctx, site.ID, gone.ID), store.ErrNotFound)
	got, err := a.ListGoals(ctx, site.ID)
	if err != nil {
		t.Fatalf("ListGoals(%d): %v", site.ID, err)
	}
	if diff := cmp.Diff([]store.SiteGoal{kept}, got); diff != "" {
		t.Errorf("ListGoals(%d) after delete (-want +got):\n%s", site.ID, diff)
	}
	// The name is free again.
	appGoal(t, a, store.SiteGoal{SiteID: site.ID, Goal: gone.Goal})

	fgone := appFunnel(t, a, store.Funnel{SiteID: site.ID, Name: "gone", Steps: appSteps[:2], CreatedAt: appTime})
	fkept := appFunnel(t, a, store.Funnel{SiteID: site.ID, Name: "kept", Steps: appSteps[2:4], CreatedAt: appTime})
	if err := a.DeleteFunnel(ctx, site.ID, fgone.ID); err != nil {
		t.Fatalf("DeleteFunnel(%d, %d): %v", site.ID, fgone.ID, err)
	}
	appWantErr(t, "DeleteFunnel(deleted)", a.DeleteFunnel(ctx, site.ID, fgone.ID), store.ErrNotFound)
	funnels, err := a.ListFunnels(ctx, site.ID)
	if err != nil {
		t.Fatalf("ListFunnels(%d): %v", site.ID, err)
	}
	if diff := cmp.Diff([]store.Funnel{fkept}, funnels); diff != "" {
		t.Errorf("ListFunnels(%d) after delete (-want +got):\n%s", site.ID, diff)
	}
}

// appTestGoalsIsolated checks that one site cannot list or delete another
// site's goals and funnels by guessing their ids.
func appTestGoalsIsolated(t *testing.T, a store.App) {
	ctx := t.Context()
	siteA := appSite(t, a, "a")
	siteB := appSite(t, a, "b")
	g := appGoal(t, a, store.SiteGoal{SiteID: siteA.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}})
	f := appFunnel(t, a, store.Funnel{SiteID: siteA.ID, Name: "Signup", Steps: appSteps[:2]})

	appWantErr(t, "DeleteGoal(site B, site A's goal)", a.DeleteGoal(ctx, siteB.ID, g.ID), store.ErrNotFound)
	appWantErr(t, "DeleteFunnel(site B, site A's funnel)", a.DeleteFunnel(ctx, siteB.ID, f.ID), store.ErrNotFound)
	if goals, err := a.ListGoals(ctx, siteB.ID); err != nil || len(goals) != 0 {
		t.Errorf("ListGoals(site B) = %v, %v; want none", goals, err)
	}
	if funnels, err := a.ListFunnels(ctx, siteB.ID); err != nil || len(funnels) != 0 {
		t.Errorf("ListFunnels(site B) = %v, %v; want none", funnels, err)
	}
	goals, err := a.ListGoals(ctx, siteA.ID)
	if err != nil || len(goals) != 1 || goals[0].ID != g.ID {
		t.Errorf("ListGoals(site A) after site B's attempt = %v, %v; want %v", goals, err, g)
	}
	funnels, err := a.ListFunnels(ctx, siteA.ID)
	if err != nil || len(funnels) != 1 || funnels[0].ID != f.ID {
		t.Errorf("ListFunnels(site A) after site B's attempt = %v, %v; want %v", funnels, err, f)
	}
}

// appTestDeleteSiteCascades checks that a site's goals and funnels go with
// it, and only its own.
func appTestDeleteSiteCascades(t *testing.T, a store.App) {
	ctx := t.Context()
	gone := appSite(t, a, "gone")
	kept := appSite(t, a, "kept")
	for _, s := range []store.Site{gone, kept} {
		appGoal(t, a, store.SiteGoal{SiteID: s.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}})
		appFunnel(t, a, store.Funnel{SiteID: s.ID, Name: "Signup", Steps: appSteps[:2]})
	}
	if err := a.DeleteSite(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteSite(%d): %v", gone.ID, err)
	}
	if goals, err := a.ListGoals(ctx, gone.ID); err != nil || len(goals) != 0 {
		t.Errorf("ListGoals(deleted site) = %v, %v; want none", goals, err)
	}
	if funnels, err := a.ListFunnels(ctx, gone.ID); err != nil || len(funnels) != 0 {
		t.Errorf("ListFunnels(deleted site) = %v, %v; want none", funnels, err)
	}
	if goals, err := a.ListGoals(ctx, kept.ID); err != nil || len(goals) != 1 {
		t.Errorf("ListGoals(other site) after DeleteSite = %v, %v; want its goal", goals, err)
	}
	if funnels, err := a.ListFunnels(ctx, kept.ID); err != nil || len(funnels) != 1 {
		t.Errorf("ListFunnels(other site) after DeleteSite = %v, %v; want its funnel", funnels, err)
	}
}

func appTestFunnelSteps(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "www")
	in := store.Funnel{ID: 999, SiteID: site.ID, Name: "Docs to purchase", Steps: appSteps, CreatedAt: appTime}
	got := appFunnel(t, a, in)
	if got.ID == 0 || got.ID == 999 {
		t.Errorf("CreateFunnel: ID = %d, want a new ID", got.ID)
	}
	want := store.Funnel{ID: got.ID, SiteID: site.ID, Name: "Docs to purchase", Steps: appSteps, CreatedAt: appMS(appTime)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateFunnel returned (-want +got):\n%s", diff)
	}
	// Reversed: the order of steps is the funnel's meaning.
	rev := make([]store.Goal, len(appSteps))
	for i, s := range appSteps {
		rev[len(rev)-1-i] = s
	}
	wantRev := appFunnel(t, a, store.Funnel{SiteID: site.ID, Name: "Reversed", Steps: rev, CreatedAt: appTime.Add(time.Second)})
	list, err := a.ListFunnels(ctx, site.ID)
	if err != nil {
		t.Fatalf("ListFunnels(%d): %v", site.ID, err)
	}
	if diff := cmp.Diff([]store.Funnel{want, wantRev}, list); diff != "" {
		t.Errorf("ListFunnels(%d) (-want +got):\n%s", site.ID, diff)
	}
}

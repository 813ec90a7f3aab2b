package web

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/duckdb"
)

// TestSiteSettingsAPI: PUT /api/v1/sites/:site_id changes the domain and
// time zone, refusing bad and taken values; DELETE …/events removes the
// site's events (in a real DuckDB) and nothing else; caches hear of both.
func TestSiteSettingsAPI(t *testing.T) {
	st := newSitesTest(t)
	ctx := t.Context()
	ev, err := duckdb.Open(ctx, "", duckdb.Options{Threads: 1, MemoryLimit: "256MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	var changed []string
	st.h = New(Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Credentials: st.db, Sites: st.db, SharedLinks: st.db,
		Registry: prometheus.NewRegistry(), SiteEvents: ev,
		SiteChanged: func(s store.Site, old string) { changed = append(changed, old+">"+s.Domain+"@"+s.TimeZone) },
	})
	if _, err := st.db.CreateGoal(ctx, store.SiteGoal{SiteID: st.aliceSite.ID, Goal: store.Goal{Name: "Signup", EventName: "Signup"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var events []store.Event
	for i, site := range []int64{st.aliceSite.ID, st.aliceSite.ID, st.bobSite.ID} {
		events = append(events, store.Event{Timestamp: now.Add(-time.Duration(i) * time.Minute), SiteID: site, VisitorID: uint64(i + 1), SessionID: uint64(i + 1),
			Name: "pageview", Hostname: "x.example", Pathname: "/", Device: "desktop", Screen: "desktop", ScrollDepth: -1})
	}
	if err := ev.Append(ctx, events); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{}`, http.StatusBadRequest, "invalid_request"},
		{`{"domain":"bob.example"}`, http.StatusConflict, "site_exists"},
		{`{"domain":"not a domain"}`, http.StatusBadRequest, "invalid_site"},
		{`{"timezone":"Mars/Olympus"}`, http.StatusBadRequest, "invalid_site"},
		{`{"timezone":7}`, http.StatusBadRequest, "invalid_request"},
		{`{`, http.StatusBadRequest, "invalid_request"},
	} {
		st.do(t, st.alice, "PUT", "/api/v1/sites/alice.example", tc.body).want(t, "PUT "+tc.body, tc.status, tc.code)
	}
	var got siteJSON
	st.do(t, st.alice, "PUT", "/api/v1/sites/alice.example", `{"timezone":"Asia/Tokyo"}`).decode(t, "PUT timezone", &got)
	if got != (siteJSON{"alice.example", "Asia/Tokyo"}) {
		t.Errorf("PUT timezone = %+v", got)
	}
	st.do(t, st.alice, "PUT", "/api/v1/sites/alice.example", `{"domain":"https://Renamed.Example/"}`).decode(t, "PUT domain", &got)
	if got != (siteJSON{"renamed.example", "Asia/Tokyo"}) {
		t.Errorf("PUT domain = %+v", got)
	}
	st.do(t, st.alice, "GET", "/api/v1/sites/alice.example", "").want(t, "GET the old domain", http.StatusNotFound, "site_not_found")
	st.do(t, st.alice, "GET", "/api/v1/sites/renamed.example", "").decode(t, "GET the new domain", &got)
	if want := []string{"alice.example>alice.example@Asia/Tokyo", "alice.example>renamed.example@Asia/Tokyo"}; !slices.Equal(changed, want) {
		t.Errorf("caches heard %v, want %v", changed, want)
	}

	var del map[string]bool
	st.do(t, st.alice, "DELETE", "/api/v1/sites/renamed.example/events", "").decode(t, "DELETE events", &del)
	if !del["deleted"] {
		t.Errorf("DELETE events = %v", del)
	}
	for site, want := range map[int64]int64{st.aliceSite.ID: 0, st.bobSite.ID: 1} {
		if n, err := ev.Count(ctx, site, time.Time{}, time.Time{}); err != nil || n != want {
			t.Errorf("site %d has %d events (%v) after alice's reset, want %d", site, n, err, want)
		}
	}
	if _, err := st.db.SiteByID(ctx, st.aliceSite.ID); err != nil {
		t.Errorf("site after the reset: %v", err)
	}
	if goals, _ := st.db.ListGoals(ctx, st.aliceSite.ID); len(goals) != 1 {
		t.Errorf("goals after the reset: %v", goals)
	}
	if len(changed) != 3 || changed[2] != "renamed.example>renamed.example@Asia/Tokyo" {
		t.Errorf("caches heard %v after the reset", changed)
	}
}

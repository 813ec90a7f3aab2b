package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// TestSitesAPIServed checks the Sites API is wired to the app database:
// the full behaviour is tested in app/web.
func TestSitesAPIServed(t *testing.T) {
	ta := newTestApp(t, true)
	goal := `{"site_id":"example.com","goal_type":"event","event_name":"Signup"}`
	if r := ta.do(t, "PUT", "/api/v1/sites/goals", goal, "Authorization", "Bearer "+ta.admin); r.status != 200 || !strings.Contains(r.body, `"display_name":"Signup"`) {
		t.Errorf("PUT /api/v1/sites/goals as the owner = %d %s, want 200 with the goal", r.status, r.body)
	}
	goals, err := ta.DB.ListGoals(t.Context(), ta.site.ID)
	if err != nil || len(goals) != 1 || goals[0].EventName != "Signup" {
		t.Errorf("ListGoals after PUT = %v, %v; want the Signup goal", goals, err)
	}
	// ta.user owns nothing: the site is not theirs to see.
	if r := ta.do(t, "GET", "/api/v1/sites/goals?site_id=example.com", "", "Authorization", "Bearer "+ta.user); r.status != 404 {
		t.Errorf("GET /api/v1/sites/goals as another user = %d %s, want 404", r.status, r.body)
	}
}

// TestDeleteSiteDeletesEvents: deleting a site through the API removes its
// events from the events store, and only its own.
func TestDeleteSiteDeletesEvents(t *testing.T) {
	ta := newTestApp(t, false)
	other, err := ta.DB.CreateSite(t.Context(), store.Site{Domain: "other.example", TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	for i, domain := range []string{"example.com", "other.example", "example.com"} {
		body := fmt.Sprintf(`{"n":"pageview","u":"https://%s/%d","d":"%s"}`, domain, i, domain)
		if r := ta.do(t, "POST", "/api/event", body, "X-Forwarded-For", "81.2.69.1"); r.status != 202 {
			t.Fatalf("POST /api/event = %d %s", r.status, r.body)
		}
	}
	ta.waitStored(t, 2)
	if r := ta.do(t, "DELETE", "/api/v1/sites/example.com", "", "Authorization", "Bearer "+ta.admin); r.status != 200 {
		t.Fatalf("DELETE /api/v1/sites/example.com = %d %s, want 200", r.status, r.body)
	}
	for _, c := range []struct {
		site int64
		want int64
	}{{ta.site.ID, 0}, {other.ID, 1}} {
		if got, err := ta.Events.Count(t.Context(), c.site, time.Time{}, time.Time{}); err != nil || got != c.want {
			t.Errorf("events of site %d after deleting example.com = %d, %v; want %d", c.site, got, err, c.want)
		}
	}
}

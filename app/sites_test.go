package app_test

import (
	"strings"
	"testing"
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

package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGoalsAPI(t *testing.T) {
	st := newSitesTest(t)
	put := func(body string) goalJSON {
		t.Helper()
		var g goalJSON
		st.do(t, st.alice, "PUT", "/api/v1/sites/goals", body).decode(t, "PUT goal "+body, &g)
		return g
	}
	signup := put(`{"site_id":"alice.example","goal_type":"event","event_name":"Signup"}`)
	if signup.ID == 0 || signup.DisplayName != "Signup" || signup.GoalType != "event" ||
		signup.EventName == nil || *signup.EventName != "Signup" || signup.PagePath != nil {
		t.Errorf("PUT event goal = %+v, want Signup", signup)
	}
	if diff := cmp.Diff(signup, put(`{"site_id":"alice.example","goal_type":"event","event_name":"Signup"}`)); diff != "" {
		t.Errorf("PUT the same goal again (-first +got):\n%s", diff)
	}

	// As `curl -F` sends it, the way Plausible's docs show.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for k, v := range map[string]string{"site_id": "alice.example", "goal_type": "page", "page_path": "/blog/**"} {
		mw.WriteField(k, v)
	}
	mw.Close()
	req := httptest.NewRequest("PUT", "/api/v1/sites/goals", &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var blog goalJSON
	st.send(t, st.alice, req).decode(t, "PUT page goal as multipart form", &blog)
	if blog.DisplayName != "Visit /blog/**" || blog.GoalType != "page" || blog.PagePath == nil || *blog.PagePath != "/blog/**" || blog.EventName != nil {
		t.Errorf("PUT page goal = %+v, want Visit /blog/**", blog)
	}
	// `curl -d '{…}'` sends JSON labelled as a form.
	req = httptest.NewRequest("PUT", "/api/v1/sites/goals", strings.NewReader(`{"site_id":"alice.example","goal_type":"event","event_name":"Signup"}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var curled goalJSON
	st.send(t, st.alice, req).decode(t, "PUT JSON labelled as a form", &curled)
	if diff := cmp.Diff(signup, curled); diff != "" {
		t.Errorf("PUT JSON labelled as a form (-want +got):\n%s", diff)
	}
	req = httptest.NewRequest("PUT", "/api/v1/sites/goals", strings.NewReader("site_id=alice.example&goal_type=page&page_path=/pricing&display_name=Pricing"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var pricing goalJSON
	st.send(t, st.alice, req).decode(t, "PUT page goal as URL-encoded form", &pricing)
	if pricing.DisplayName != "Pricing" {
		t.Errorf("PUT with display_name = %+v, want Pricing", pricing)
	}
	// Without a display_name, the goal for that page is found whatever its name.
	if diff := cmp.Diff(pricing, put(`{"site_id":"alice.example","goal_type":"page","page_path":"/pricing"}`)); diff != "" {
		t.Errorf("PUT /pricing without display_name (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"site_id":"alice.example","goal_type":"page","page_path":"pricing"}`, http.StatusBadRequest, "invalid_goal"},
		{`{"site_id":"alice.example","goal_type":"page","event_name":"x"}`, http.StatusBadRequest, "invalid_goal"},
		{`{"site_id":"alice.example","goal_type":"event"}`, http.StatusBadRequest, "invalid_goal"},
		{`{"site_id":"alice.example","goal_type":"visit","event_name":"x"}`, http.StatusBadRequest, "invalid_goal"},
		{`{"site_id":"alice.example","event_name":"x"}`, http.StatusBadRequest, "invalid_goal"},
		{`{"goal_type":"event","event_name":"x"}`, http.StatusBadRequest, "invalid_request"},
		{`{"site_id":"alice.example","goal_type":"event","event_name":"Other","display_name":"Signup"}`, http.StatusConflict, "goal_exists"},
	} {
		st.do(t, st.alice, "PUT", "/api/v1/sites/goals", tc.body).want(t, "PUT goal "+tc.body, tc.status, tc.code)
	}

	var list struct {
		Goals []goalJSON
		Meta  map[string]any
	}
	st.do(t, st.alice, "GET", "/api/v1/sites/goals?site_id=alice.example", "").decode(t, "GET goals", &list)
	if diff := cmp.Diff([]goalJSON{signup, blog, pricing}, list.Goals); diff != "" {
		t.Errorf("GET goals (-want +got):\n%s", diff)
	}
	if list.Meta == nil {
		t.Errorf("GET goals: no meta object")
	}

	var del map[string]bool
	st.do(t, st.alice, "DELETE", "/api/v1/sites/goals/"+itoa(int(signup.ID)), `{"site_id":"alice.example"}`).decode(t, "DELETE goal", &del)
	if !del["deleted"] {
		t.Errorf("DELETE goal = %v, want {deleted: true}", del)
	}
	st.do(t, st.alice, "DELETE", "/api/v1/sites/goals/"+itoa(int(signup.ID)), `{"site_id":"alice.example"}`).
		want(t, "DELETE goal again", http.StatusNotFound, "goal_not_found")
	st.do(t, st.alice, "DELETE", "/api/v1/sites/goals/"+itoa(int(blog.ID))+"?site_id=alice.example", "").
		want(t, "DELETE goal with site_id in the query", http.StatusOK, "")
	st.do(t, st.alice, "DELETE", "/api/v1/sites/goals/x", `{"site_id":"alice.example"}`).
		want(t, "DELETE goal x", http.StatusBadRequest, "invalid_request")
	goals, err := st.db.ListGoals(t.Context(), st.aliceSite.ID)
	if err != nil || len(goals) != 1 || goals[0].ID != pricing.ID {
		t.Errorf("stored goals after deletes = %v, %v; want only Pricing", goals, err)
	}
}

func TestFunnelsAPI(t *testing.T) {
	st := newSitesTest(t)
	body := `{"site_id":"alice.example","name":"Purchase","steps":[
		{"goal_type":"page","page_path":"/pricing"},
		{"goal_type":"event","event_name":"Signup","display_name":"Signed up"},
		{"goal_type":"page","page_path":"/checkout/**"}]}`
	var f funnelJSON
	st.do(t, st.alice, "PUT", "/api/v1/sites/funnels", body).decode(t, "PUT funnel", &f)
	str := func(s string) *string { return &s }
	want := funnelJSON{ID: f.ID, Name: "Purchase", Steps: []goalJSON{
		{DisplayName: "Visit /pricing", GoalType: "page", PagePath: str("/pricing")},
		{DisplayName: "Signed up", GoalType: "event", EventName: str("Signup")},
		{DisplayName: "Visit /checkout/**", GoalType: "page", PagePath: str("/checkout/**")},
	}}
	if f.ID == 0 {
		t.Errorf("PUT funnel: id 0")
	}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("PUT funnel (-want +got):\n%s", diff)
	}
	var again funnelJSON
	st.do(t, st.alice, "PUT", "/api/v1/sites/funnels", body).decode(t, "PUT the same funnel again", &again)
	if diff := cmp.Diff(f, again); diff != "" {
		t.Errorf("PUT the same funnel again (-first +got):\n%s", diff)
	}

	step := `{"goal_type":"page","page_path":"/a"}`
	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"site_id":"alice.example","name":"Purchase","steps":[` + step + `,{"goal_type":"event","event_name":"Other"}]}`, http.StatusConflict, "funnel_exists"},
		{`{"site_id":"alice.example","name":"One","steps":[` + step + `]}`, http.StatusBadRequest, "invalid_funnel"},
		{`{"site_id":"alice.example","name":"Repeat","steps":[` + step + `,` + step + `]}`, http.StatusBadRequest, "invalid_funnel"},
		{`{"site_id":"alice.example","name":"","steps":[` + step + `,{"goal_type":"page","page_path":"/b"}]}`, http.StatusBadRequest, "invalid_funnel"},
		{`{"site_id":"alice.example","name":"Bad","steps":[` + step + `,{"goal_type":"page","page_path":"b"}]}`, http.StatusBadRequest, "invalid_funnel"},
		{`{"site_id":"alice.example","name":"Bad","steps":"x"}`, http.StatusBadRequest, "invalid_request"},
	} {
		st.do(t, st.alice, "PUT", "/api/v1/sites/funnels", tc.body).want(t, "PUT funnel "+tc.body, tc.status, tc.code)
	}

	var list struct{ Funnels []funnelJSON }
	st.do(t, st.alice, "GET", "/api/v1/sites/funnels?site_id=alice.example", "").decode(t, "GET funnels", &list)
	if diff := cmp.Diff([]funnelJSON{f}, list.Funnels); diff != "" {
		t.Errorf("GET funnels (-want +got):\n%s", diff)
	}
	st.do(t, st.alice, "DELETE", "/api/v1/sites/funnels/"+itoa(int(f.ID)), `{"site_id":"alice.example"}`).want(t, "DELETE funnel", http.StatusOK, "")
	st.do(t, st.alice, "DELETE", "/api/v1/sites/funnels/"+itoa(int(f.ID)), `{"site_id":"alice.example"}`).
		want(t, "DELETE funnel again", http.StatusNotFound, "funnel_not_found")
	st.do(t, st.alice, "GET", "/api/v1/sites/funnels?site_id=alice.example", "").decode(t, "GET funnels after DELETE", &list)
	if len(list.Funnels) != 0 {
		t.Errorf("GET funnels after DELETE = %v, want none", list.Funnels)
	}
}

package app_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestStatsEndpointAuth(t *testing.T) {
	ta := newTestApp(t, false)
	body := `{"site_id":"example.com","metrics":["visitors","events"],"date_range":"all"}`
	tests := []struct {
		name, body, auth string
		status           int
		code             string
	}{
		{"no key", body, "", 401, "unauthorized"},
		{"not bearer", body, "Basic eDp5", 401, "unauthorized"},
		{"malformed key", body, "Bearer hunter2", 401, "unauthorized"},
		{"unknown key", body, "Bearer ff_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 401, "unauthorized"},
		{"someone else's site", body, "Bearer " + ta.user, 404, "site_not_found"},
		{"unknown site", strings.Replace(body, "example.com", "other.example", 1), "Bearer " + ta.admin, 404, "site_not_found"},
		{"invalid query", `{"site_id":"example.com","metrics":["visitors"],"date_range":"forever"}`, "Bearer " + ta.admin, 400, "invalid_query"},
		{"not json", `visitors please`, "Bearer " + ta.admin, 400, "invalid_query"},
		{"too large", `{"site_id":"` + strings.Repeat("x", 70000) + `"}`, "Bearer " + ta.admin, 413, "body_too_large"},
		{"owner", body, "Bearer " + ta.admin, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			r := ta.do(t, "POST", "/api/v2/query", tt.body, hdr...)
			if r.status != tt.status {
				t.Fatalf("POST /api/v2/query = %d %s, want %d", r.status, r.body, tt.status)
			}
			var e struct{ Error, Code string }
			json.Unmarshal([]byte(r.body), &e)
			if e.Code != tt.code {
				t.Errorf("code = %q (%s), want %q", e.Code, r.body, tt.code)
			}
		})
	}
}

func TestQueueFullAnswers503AndRecovers(t *testing.T) {
	ta := newTestApp(t, true, "FOOTFALL_QUEUE_MAX_EVENTS=3")
	ev := func(i int) string {
		return `{"n":"pageview","u":"https://example.com/p` + string(rune('a'+i)) + `","d":"example.com"}`
	}
	for i := range 3 {
		if r := ta.do(t, "POST", "/api/event", ev(i)); r.status != 202 {
			t.Fatalf("event %d = %d %s", i, r.status, r.body)
		}
	}
	r := ta.do(t, "POST", "/api/event", ev(3))
	if r.status != 503 || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "queue_full") {
		t.Fatalf("event beyond capacity = %d %s (Retry-After %q), want 503 queue_full with Retry-After", r.status, r.body, r.header.Get("Retry-After"))
	}
	// The batcher catches up; ingestion works again and nothing acknowledged is lost.
	b := ta.Batcher()
	b.Interval = 10 * time.Millisecond
	done := make(chan error, 1)
	ctx, cancel := contextWithCancel()
	go func() { done <- b.Run(ctx, 5*time.Second) }()
	ta.waitStored(t, 3)
	// The queue lets go of a batch just after the store has it.
	for deadline := time.Now().Add(5 * time.Second); ta.Queue.Depth() > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if r := ta.do(t, "POST", "/api/event", ev(4)); r.status != 202 {
		t.Fatalf("after recovery = %d %s", r.status, r.body)
	}
	ta.waitStored(t, 4)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDiskFullAnswers503(t *testing.T) {
	ta := newTestApp(t, true, "FOOTFALL_QUEUE_MIN_FREE_MB=1000000000")
	r := ta.do(t, "POST", "/api/event", `{"n":"pageview","u":"https://example.com/","d":"example.com"}`)
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("event with a full disk = %d %s, want 503 with Retry-After", r.status, r.body)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	ta := newTestApp(t, false, "FOOTFALL_METRICS_TOKEN=s3cret-token")
	tests := []struct {
		method, path string
		header       []string
		status       int
		contains     string
	}{
		{"GET", "/healthz", nil, 200, `"ok"`},
		{"GET", "/readyz", nil, 200, `"ready"`},
		{"GET", "/metrics", nil, 401, "unauthorized"},
		{"GET", "/metrics", []string{"Authorization", "Bearer s3cret-token"}, 200, "footfall_events_received_total"},
		{"GET", "/js/script.js", nil, 200, "api/event"},
		{"GET", "/js/script.0000.js", nil, 404, "not_found"},
		{"GET", "/js/script.core.js", nil, 200, "api/event"},
		{"GET", "/js/script.core.0000.js", nil, 404, "not_found"},
		{"GET", "/", nil, 200, `<div id="app">`},
		{"GET", "/no/such/page", nil, 404, "not_found"},
		{"DELETE", "/healthz", nil, 405, "method_not_allowed"},
	}
	for _, tt := range tests {
		r := ta.do(t, tt.method, tt.path, "", tt.header...)
		if r.status != tt.status || !strings.Contains(r.body, tt.contains) {
			t.Errorf("%s %s = %d %.200s, want %d containing %q", tt.method, tt.path, r.status, r.body, tt.status, tt.contains)
		}
	}
	if r := ta.do(t, "GET", "/", ""); !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || r.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("home page security headers = %v", r.header)
	}
	r := ta.do(t, "GET", "/js/script.js", "")
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=3600") {
		t.Errorf("tracker Cache-Control = %q", cc)
	}
	// Browsers get the tracker gzipped; its hashed variants are immutable.
	for _, name := range []string{"script.js", "script.core.js"} {
		r := ta.do(t, "GET", "/js/"+name, "", "Accept-Encoding", "gzip, br")
		if r.status != 200 || r.header.Get("Content-Encoding") != "gzip" || r.header.Get("ETag") == "" {
			t.Errorf("GET /js/%s (gzip) = %d, headers %v", name, r.status, r.header)
		}
		hash := strings.Trim(r.header.Get("ETag"), `"`)
		hashed := "/js/" + strings.TrimSuffix(name, ".js") + "." + hash + ".js"
		if r := ta.do(t, "GET", hashed, "", "Accept-Encoding", "identity"); r.status != 200 || !strings.Contains(r.body, "api/event") ||
			!strings.Contains(r.header.Get("Cache-Control"), "immutable") || r.header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s = %d %.80s, headers %v", hashed, r.status, r.body, r.header)
		}
	}
	// The dashboard's files, named by the page shell, are immutable.
	home := ta.do(t, "GET", "/", "").body
	files := regexp.MustCompile(`/ui/main-[0-9A-Z]+\.(js|css)`).FindAllString(home, -1)
	if len(files) != 2 {
		t.Errorf("the page shell names %v, want a script and a stylesheet", files)
	}
	for _, f := range files {
		if r := ta.do(t, "GET", f, ""); r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s = %d, Cache-Control %q", f, r.status, r.header.Get("Cache-Control"))
		}
	}
}

func TestAPIRateLimit(t *testing.T) {
	ta := newTestApp(t, false, "FOOTFALL_API_RATE_LIMIT=3")
	body := `{"site_id":"example.com","metrics":["visitors"],"date_range":"all"}`
	for i := range 3 {
		if r := ta.do(t, "POST", "/api/v2/query", body, "Authorization", "Bearer "+ta.admin); r.status != 200 {
			t.Fatalf("call %d = %d %s", i+1, r.status, r.body)
		}
	}
	r := ta.do(t, "POST", "/api/v2/query", body, "Authorization", "Bearer "+ta.admin)
	var e struct{ Error, Code string }
	json.Unmarshal([]byte(r.body), &e)
	if r.status != 429 || e.Code != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Errorf("4th call = %d %s (Retry-After %q), want 429 rate_limited with Retry-After", r.status, r.body, r.header.Get("Retry-After"))
	}
	// The budget is per key: another key of another user is unaffected.
	if r := ta.do(t, "POST", "/api/v2/query", body, "Authorization", "Bearer "+ta.user); r.status != 404 {
		t.Errorf("other key = %d %s, want its own budget (404: not its site)", r.status, r.body)
	}
}

package app_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestEventEndpoint(t *testing.T) {
	ta := newTestApp(t, false)
	tests := []struct {
		name    string
		method  string
		body    string
		header  []string
		status  int
		code    string // error code, for 4xx/5xx
		stored  int    // events this request adds
		checkFn func(t *testing.T, r response)
	}{
		{name: "plausible legacy", body: `{"n":"pageview","u":"https://example.com/landing?utm_source=newsletter&utm_medium=email","d":"example.com","r":"https://www.google.com/search?q=x","w":1440,"h":0,"p":"{\"k\":\"v\"}"}`,
			header: []string{"Content-Type", "text/plain", "X-Forwarded-For", "81.2.69.142"}, status: 202, stored: 1},
		{name: "plausible current", body: `{"n":"pageview","v":20,"u":"https://www.example.com/pricing/","d":"example.com","r":null,"p":{"plan":"pro"},"i":true}`,
			header: []string{"Content-Type", "text/plain", "X-Forwarded-For", "81.2.69.142"}, status: 202, stored: 1},
		{name: "custom event with revenue", body: `{"n":"Purchase","u":"https://example.com/checkout","d":"example.com","$":{"amount":"19.90","currency":"EUR"},"p":{"plan":"pro"}}`,
			header: []string{"Content-Type", "application/json", "X-Forwarded-For", "81.2.69.142"}, status: 202, stored: 1},
		{name: "engagement", body: `{"n":"engagement","u":"https://example.com/pricing","d":"example.com","sd":80,"e":15000}`,
			header: []string{"X-Forwarded-For", "81.2.69.142"}, status: 202, stored: 1},
		{name: "long keys", body: `{"name":"Signup","url":"https://example.com/join","domain":"example.com","referrer":"https://news.ycombinator.com/item?id=1","props":{"a":"b"},"revenue":{"amount":5,"currency":"USD"}}`,
			header: []string{"X-Forwarded-For", "2.16.7.1"}, status: 202, stored: 1},
		{name: "engagement without a visit is dropped", body: `{"n":"engagement","u":"https://example.com/","d":"example.com","sd":10,"e":100}`,
			header: []string{"X-Forwarded-For", "198.51.100.77"}, status: 202},
		{name: "crawler is dropped silently", body: `{"n":"pageview","u":"https://example.com/","d":"example.com"}`,
			header: []string{"User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}, status: 202},
		{name: "headless chrome is dropped silently", body: `{"n":"pageview","u":"https://example.com/","d":"example.com"}`,
			header: []string{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0.0.0 Safari/537.36"}, status: 202},
		{name: "preflight", method: "OPTIONS", header: []string{"Origin", "https://example.com", "Access-Control-Request-Method", "POST"}, status: 204,
			checkFn: func(t *testing.T, r response) {
				if r.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") {
					t.Errorf("preflight headers = %v", r.header)
				}
			}},
		{name: "unknown site", body: `{"n":"pageview","u":"https://nope.example/","d":"nope.example"}`, status: 400, code: "unknown_site"},
		{name: "bad json", body: `{"n":"pageview",`, status: 400, code: "invalid_json"},
		{name: "empty body", body: ``, status: 400, code: "empty_body"},
		{name: "bad url", body: `{"n":"pageview","u":"javascript:alert(1)","d":"example.com"}`, status: 400, code: "invalid_url"},
		{name: "relative url", body: `{"n":"pageview","u":"/just/a/path","d":"example.com"}`, status: 400, code: "invalid_url"},
		{name: "missing name", body: `{"u":"https://example.com/","d":"example.com"}`, status: 400, code: "missing_name"},
		{name: "oversized", body: `{"n":"pageview","u":"https://example.com/","d":"example.com","p":{"x":"` + strings.Repeat("a", 70000) + `"}}`, status: 413, code: "body_too_large"},
		{name: "wrong method", method: "GET", status: 405, code: "method_not_allowed"},
	}
	stored := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "POST"
			}
			r := ta.do(t, method, "/api/event", tt.body, tt.header...)
			if r.status != tt.status {
				t.Fatalf("%s /api/event %s = %d %s, want %d", method, tt.name, r.status, r.body, tt.status)
			}
			if tt.code != "" {
				var e struct{ Error, Code string }
				if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Code != tt.code || e.Error == "" {
					t.Errorf("error body = %s, want code %q and a message", r.body, tt.code)
				}
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("error Content-Type = %q", ct)
				}
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("security headers missing")
			}
			if tt.checkFn != nil {
				tt.checkFn(t, r)
			}
			stored += tt.stored
		})
	}
	ta.waitStored(t, int64(stored))

	// What was stored is enriched and sessionised.
	check := func(body string, want [][]any) {
		t.Helper()
		if got := ta.query(t, body); !reflect.DeepEqual(got, want) {
			t.Errorf("query %s\n got %v\nwant %v", body, got, want)
		}
	}
	q := func(dims, filters string) string {
		return fmt.Sprintf(`{"site_id":"example.com","metrics":["visitors","visits","pageviews","events"],"date_range":"day","dimensions":[%s],"filters":[%s]}`, dims, filters)
	}
	check(q("", ""), [][]any{{2.0, 2.0, 2.0, 4.0}})
	check(q(`"visit:source"`, ""), [][]any{{"Hacker News", 1.0, 1.0, 0.0, 1.0}, {"newsletter", 1.0, 1.0, 2.0, 3.0}})
	check(q(`"visit:entry_page"`, ""), [][]any{{"/join", 1.0, 1.0, 0.0, 1.0}, {"/landing", 1.0, 1.0, 2.0, 3.0}})
	check(q(`"event:page"`, `["is","event:name",["pageview"]]`), [][]any{{"/landing", 1.0, 1.0, 1.0, 1.0}, {"/pricing", 1.0, 1.0, 1.0, 1.0}})
	check(q(`"visit:browser","visit:device"`, ""), [][]any{{"Chrome", "desktop", 2.0, 2.0, 2.0, 4.0}})
	check(q(`"event:hostname"`, ""), [][]any{{"example.com", 2.0, 2.0, 2.0, 4.0}})
	rows := ta.query(t, q(`"visit:country"`, ""))
	for _, row := range rows {
		if c := row[0].(string); len(c) != 2 {
			t.Errorf("country %q is not an ISO code (rows %v)", c, rows)
		}
	}
}

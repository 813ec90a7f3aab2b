package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestDashboardServing(t *testing.T) {
	h := New(Deps{
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Assets:   os.DirFS("../../assets"),
		Registry: prometheus.NewRegistry(),
		BaseURL:  "https://stats.example",
	})
	raw, err := os.ReadFile("../../assets/ui/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m uiManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	get := func(path string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	for _, path := range []string{"/", "/login", "/setup?token=abc", "/sites", "/example.com", "/example.com?period=7d&f=is%7Cvisit:country%7CDE", "/example.com/performance?vital=inp", "/example.com/settings",
		"/signup", "/forgot-password", "/reset-password?token=x", "/verify-email?token=x", "/invitation?token=x", "/account", "/account/team"} {
		r := get(path)
		body := r.Body.String()
		if r.Code != 200 || !strings.Contains(body, `<div id="app">`) ||
			!strings.Contains(body, `src="/ui/`+m.JS+`"`) || !strings.Contains(body, `href="/ui/`+m.CSS+`"`) ||
			!strings.Contains(body, `content="https://stats.example"`) {
			t.Errorf("GET %s = %d %.300s, want the shell naming %s and %s", path, r.Code, body, m.JS, m.CSS)
		}
		if cc := r.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s Cache-Control = %q, want no-cache", path, cc)
		}
		// No inline script anywhere: the policy can forbid them.
		for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
			if !strings.Contains(tag, "src=") {
				t.Errorf("GET %s has an inline script %s", path, tag)
			}
		}
		csp := r.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "script-src") || r.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s security headers: CSP %q, X-Frame-Options %q", path, csp, r.Header().Get("X-Frame-Options"))
		}
	}

	for _, tt := range []struct {
		name, ctype string
	}{{m.JS, "application/javascript"}, {m.CSS, "text/css"}} {
		want, err := os.ReadFile("../../assets/ui/" + tt.name)
		if err != nil {
			t.Fatal(err)
		}
		r := get("/ui/" + tt.name)
		if r.Code != 200 || r.Body.String() != string(want) || !strings.HasPrefix(r.Header().Get("Content-Type"), tt.ctype) ||
			r.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET /ui/%s = %d, %d bytes, headers %v; want 200, %d bytes of %s, immutable", tt.name, r.Code, r.Body.Len(), r.Header(), len(want), tt.ctype)
		}
		if r := get("/ui/"+tt.name, "Accept-Encoding", "gzip"); r.Header().Get("Content-Encoding") != "gzip" || r.Body.Len() >= len(want) {
			t.Errorf("GET /ui/%s (gzip) = %d bytes, Content-Encoding %q", tt.name, r.Body.Len(), r.Header().Get("Content-Encoding"))
		}
	}

	// Everything that is not a UI route keeps its own answer.
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/ui/main-AAAAAAAA.js", 404},
		{"/ui/manifest.json", 404},
		{"/api", 404},
		{"/favicon.ico", 404},
		{"/robots.txt", 404},
		{"/js", 404},
		{"/api/event", 405},
		{"/api/v2/query", 405},
		{"/no/such/page", 404},
		{"/example.com/no-such-tab", 404},
		{"/api/performance", 404},
		{"/js/performance", 404},
	} {
		if r := get(tt.path); r.Code != tt.status || strings.Contains(r.Body.String(), `<div id="app">`) {
			t.Errorf("GET %s = %d %.100s, want %d and no shell", tt.path, r.Code, r.Body.String(), tt.status)
		}
	}
}

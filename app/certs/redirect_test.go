package certs

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestRedirect(t *testing.T) {
	h := bareHost(redirect("stats.example.test"))
	for _, tt := range []struct {
		method, host, target, want string
	}{
		{"GET", "stats.example.test", "/", "https://stats.example.test/"},
		{"GET", "stats.example.test", "/some/path?x=1", "https://stats.example.test/some/path?x=1"},
		{"HEAD", "evil.example", "/a?b=c&d", "https://stats.example.test/a?b=c&d"},
		{"POST", "stats.example.test:80", "/api/event", "https://stats.example.test/api/event"},
		// Escapes survive as sent, so the HTTPS side sees the same request.
		{"GET", "x", "/a%2Fb/%E2%9C%93?q=%20", "https://stats.example.test/a%2Fb/%E2%9C%93?q=%20"},
		// A path that looks like another host stays a path on ours.
		{"GET", "x", "//evil.example/", "https://stats.example.test//evil.example/"},
		{"OPTIONS", "x", "*", "https://stats.example.test/"},
		{"GET", "x", "http://evil.example/abs?y=2", "https://stats.example.test/abs?y=2"},
	} {
		r := httptest.NewRequest(tt.method, "http://placeholder/", nil)
		r.Host = tt.host
		r.RequestURI = tt.target
		// As the server parses it: "//x/" is a path here, not a host.
		u, err := url.ParseRequestURI(tt.target)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.target, err)
		}
		r.URL = u
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("Location"); w.Code != http.StatusPermanentRedirect || got != tt.want {
			t.Errorf("%s %s (Host %s) = %d %q, want 308 %q", tt.method, tt.target, tt.host, w.Code, got, tt.want)
		}
	}
}

func TestHSTS(t *testing.T) {
	w := httptest.NewRecorder()
	hsts(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got := w.Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security on a 404 = %q, want max-age=31536000", got)
	}
}

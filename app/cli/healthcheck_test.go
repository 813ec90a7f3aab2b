package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		code   int
	}{{"healthy", 200, 0}, {"unhealthy", 503, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path = r.URL.Path
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			addr := strings.TrimPrefix(srv.URL, "http://")
			var out, errOut bytes.Buffer
			code := Run(&Env{Args: []string{"healthcheck"}, Environ: []string{"FOOTFALL_ADDR=" + addr, "FOOTFALL_DATA_DIR=" + t.TempDir()},
				Stdout: &out, Stderr: &errOut})
			if code != tc.code || path != "/healthz" {
				t.Errorf("healthcheck against a %d server = exit %d after GET %q, want exit %d after GET /healthz (%s)", tc.status, code, path, tc.code, errOut.String())
			}
		})
	}
	var out, errOut bytes.Buffer
	if code := Run(&Env{Args: []string{"healthcheck"}, Environ: []string{"FOOTFALL_ADDR=127.0.0.1:1", "FOOTFALL_DATA_DIR=" + t.TempDir()}, Stdout: &out, Stderr: &errOut}); code != 1 {
		t.Errorf("healthcheck with no server = exit %d, want 1", code)
	}
}

func TestLocalHTTP(t *testing.T) {
	for in, want := range map[string]string{
		":8000":          "http://127.0.0.1:8000/healthz",
		"0.0.0.0:8000":   "http://127.0.0.1:8000/healthz",
		"[::]:8000":      "http://127.0.0.1:8000/healthz",
		"127.0.0.1:8001": "http://127.0.0.1:8001/healthz",
		"[::1]:8001":     "http://[::1]:8001/healthz",
	} {
		if got, err := localHTTP(in, "/healthz"); err != nil || got != want {
			t.Errorf("localHTTP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

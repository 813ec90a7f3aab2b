package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestPprofOnAdminListenerOnly runs the real server with both listeners:
// Go's profiler and the unauthenticated metrics answer on the admin
// address only; the public listener does not know those paths.
func TestPprofOnAdminListenerOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped with -short")
	}
	admin := freeAddr(t)
	public := serveWith(t, []string{"FOOTFALL_DATA_DIR=" + t.TempDir(), "FOOTFALL_ADMIN_ADDR=" + admin})
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for path, want := range map[string]string{
		"/debug/pprof/":                  "goroutine",
		"/debug/pprof/goroutine?debug=1": "goroutine profile",
		"/debug/pprof/cmdline":           "serve",
		"/metrics":                       "footfall_events_received_total",
	} {
		if code, body := get("http://" + admin + path); code != 200 || !strings.Contains(body, want) {
			t.Errorf("admin GET %s = %d %.120q, want 200 with %q", path, code, body, want)
		}
	}
	// Without FOOTFALL_METRICS_TOKEN the public /metrics does not exist.
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline", "/debug/pprof/profile?seconds=1", "/metrics"} {
		if code, body := get(public + path); code != 404 {
			t.Errorf("public GET %s = %d %.120q, want 404", path, code, body)
		}
	}
}

// TestSiteAddWithOwner: the README's first steps (and install.sh's closing
// advice) add a site for an owner from the command line, where the app is
// opened without billing.
func TestSiteAddWithOwner(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "user", "create", "--email", "owner@example.test", "--password", "long enough password", "--admin")
	if out := run(t, dir, "site", "add", "owned.example", "--owner", "owner@example.test", "--timezone", "Europe/Berlin"); !strings.Contains(out, "owned.example") {
		t.Errorf("site add --owner printed %q", out)
	}
	if out := run(t, dir, "site", "list"); !strings.Contains(out, "owned.example") {
		t.Errorf("site list after site add --owner: %q", out)
	}
}

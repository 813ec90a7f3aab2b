package main

import (
	"strings"
	"testing"
)

// TestServeRefusesBadSentryDSN: a mistyped DSN stops the server at start
// rather than silently reporting nothing.
func TestServeRefusesBadSentryDSN(t *testing.T) {
	env := []string{"FOOTFALL_DATA_DIR=" + t.TempDir(), "FOOTFALL_ADDR=127.0.0.1:0", "FOOTFALL_ADMIN_ADDR=off", "FOOTFALL_SENTRY_DSN=sentry.example.com/1"}
	code, _, errOut := runEnv(t, env, "serve")
	if code == 0 || !strings.Contains(errOut, "FOOTFALL_SENTRY_DSN") {
		t.Errorf("serve with a bad DSN = exit %d, %q; want a failure naming FOOTFALL_SENTRY_DSN", code, errOut)
	}
}

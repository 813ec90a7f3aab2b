// Package stripemock runs Stripe's official API mock, stripe-mock, for
// tests: a real HTTP server that validates every request against Stripe's
// OpenAPI spec and answers with fixtures. It is stateless and sends no
// webhooks; tests post signed webhook payloads themselves.
//
// The binary comes from `go install github.com/stripe/stripe-mock@v0.203.0`
// (.ci/run installs it). Without it tests skip, except under CI=true,
// where they fail.
package stripemock

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// Version is the stripe-mock release the tests are written against.
const Version = "v0.203.0"

// Path returns the stripe-mock binary: $FOOTFALL_TEST_STRIPE_MOCK, then
// PATH, then $GOPATH/bin (where go install puts it); "" when none.
func Path() string {
	if p := os.Getenv("FOOTFALL_TEST_STRIPE_MOCK"); p != "" {
		return p
	}
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(gopath, "bin", "stripe-mock")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

var listening = regexp.MustCompile(`Listening for HTTP at address: (\S+)`)

// Start runs stripe-mock on a free loopback port for the test and returns
// its base URL (http://127.0.0.1:PORT). It is stopped by t.Cleanup.
func Start(t testing.TB) string {
	t.Helper()
	bin := Path()
	if bin == "" {
		msg := "stripe-mock not installed: go install github.com/stripe/stripe-mock@" + Version
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-http-addr", "127.0.0.1:")
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start stripe-mock: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("stripe-mock did not start listening within 30 s")
	}
	return ""
}

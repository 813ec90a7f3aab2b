package certs_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/certs"
	"github.com/footfallhq/footfall/app/certs/certstest"
)

// autocert refuses names without a dot, and .test never resolves for real.
const domain = "stats.example.test"

// TestServeWithPebble obtains a certificate from a real ACME CA, once through
// each challenge type, and checks what a visitor and an attacker would see.
func TestServeWithPebble(t *testing.T) {
	for _, challenge := range []string{"tls-alpn-01", "http-01"} {
		t.Run(challenge, func(t *testing.T) {
			ca := certstest.StartPebble(t)
			cacheDir := filepath.Join(t.TempDir(), "certs")
			o := certs.Options{
				Domain:       domain,
				Email:        "ops@example.test",
				DirectoryURL: ca.DirectoryURL,
				HTTPClient:   ca.Client,
				CacheDir:     cacheDir,
				TLSAddr:      "127.0.0.1:0",
				HTTPAddr:     "127.0.0.1:0",
				Logger:       testLogger(t),
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.WriteString(w, "ok")
				}),
			}
			s, err := certs.Listen(o)
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			tlsAddr, httpAddr := s.TLSAddr().String(), s.HTTPAddr().String()
			// Only the challenge under test can succeed: the CA's
			// connections for the other one are refused.
			if challenge == "tls-alpn-01" {
				ca.Route("", tlsAddr)
			} else {
				ca.Route(httpAddr, "")
			}
			stop := serve(t, s)

			resp, body := httpsGet(t, tlsAddr, ca)
			if resp.StatusCode != http.StatusOK || body != "ok" {
				t.Fatalf("GET https://%s/ = %s %q, want 200 \"ok\"", domain, resp.Status, body)
			}
			if got, want := resp.Header.Get("Strict-Transport-Security"), "max-age=31536000"; got != want {
				t.Errorf("Strict-Transport-Security = %q, want %q", got, want)
			}
			if resp.Proto != "HTTP/2.0" {
				t.Errorf("protocol = %s, want HTTP/2.0", resp.Proto)
			}
			leaf := resp.TLS.PeerCertificates[0]
			if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != domain {
				t.Errorf("certificate DNSNames = %v, want [%s]", leaf.DNSNames, domain)
			}
			// The client already verified the chain against pebble's root;
			// check that it really ends there, through an intermediate.
			chain := resp.TLS.VerifiedChains[0]
			if len(chain) < 3 || !chain[len(chain)-1].Equal(ca.Root) {
				t.Errorf("verified chain %v does not run through an intermediate to pebble's root %q", subjects(chain), ca.Root.Subject)
			}

			// A new connection gets the same certificate, not a new order.
			again, _ := httpsGet(t, tlsAddr, ca)
			if got := again.TLS.PeerCertificates[0]; got.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
				t.Errorf("second handshake: serial %x, want the cached %x", got.SerialNumber, leaf.SerialNumber)
			}
			if _, err := os.Stat(filepath.Join(cacheDir, domain)); err != nil {
				t.Errorf("certificate not in the cache directory: %v", err)
			}

			checkRedirects(t, httpAddr)
			checkRefusedHandshakes(t, tlsAddr, ca)

			start := time.Now()
			if err := stop(); err != nil {
				t.Errorf("Serve after cancel = %v, want nil", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("shutdown took %v", d)
			}

			// A restart serves the certificate from the cache without the
			// CA: here, with the CA unreachable.
			ca.Route("", "")
			o.DirectoryURL = "https://127.0.0.1:1/directory"
			s, err = certs.Listen(o)
			if err != nil {
				t.Fatalf("Listen again: %v", err)
			}
			serve(t, s)
			resp, _ = httpsGet(t, s.TLSAddr().String(), ca)
			if got := resp.TLS.PeerCertificates[0]; got.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
				t.Errorf("after restart: serial %x, want the cached %x", got.SerialNumber, leaf.SerialNumber)
			}
		})
	}
}

// checkRedirects makes sure plain HTTP only ever leads to the configured
// domain over HTTPS, whatever Host the client claims.
func checkRedirects(t *testing.T, httpAddr string) {
	t.Helper()
	client := &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	for _, tt := range []struct {
		method, host, target string
		status               int
		location             string
	}{
		{"GET", domain, "/some/path?x=1", 308, "https://" + domain + "/some/path?x=1"},
		{"GET", "evil.example", "/some/path?x=1", 308, "https://" + domain + "/some/path?x=1"},
		{"POST", domain + ":80", "/api/event", 308, "https://" + domain + "/api/event"},
		{"GET", "evil.example", "//evil.example/%2e%2e", 308, "https://" + domain + "//evil.example/%2e%2e"},
		// Challenges are autocert's: an unknown token is not found, and a
		// foreign host is refused rather than redirected.
		{"GET", domain, "/.well-known/acme-challenge/unknown", 404, ""},
		{"GET", "evil.example", "/.well-known/acme-challenge/unknown", 403, ""},
	} {
		req, err := http.NewRequest(tt.method, "http://"+httpAddr+tt.target, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = tt.host
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s (Host %s): %v", tt.method, tt.target, tt.host, err)
			continue
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); resp.StatusCode != tt.status || got != tt.location {
			t.Errorf("%s %s (Host %s) = %d Location %q, want %d %q", tt.method, tt.target, tt.host, resp.StatusCode, got, tt.status, tt.location)
		}
	}
}

// checkRefusedHandshakes makes sure the server only ever presents the
// configured name, so nobody can make it order certificates for theirs.
func checkRefusedHandshakes(t *testing.T, tlsAddr string, ca *certstest.Pebble) {
	t.Helper()
	for _, tt := range []struct {
		name string
		conf *tls.Config
	}{
		{"unknown name", &tls.Config{ServerName: "other.example.test", RootCAs: ca.Roots}},
		{"no name", &tls.Config{InsecureSkipVerify: true}},
		{"TLS 1.1", &tls.Config{ServerName: domain, RootCAs: ca.Roots, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}},
	} {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: tt.conf}
		conn, err := d.Dial("tcp", tlsAddr)
		if err == nil {
			conn.Close()
			t.Errorf("handshake with %s succeeded, want it refused", tt.name)
		}
	}
}

// httpsGet fetches https://domain/ from tlsAddr, trusting only pebble's
// root, on a new connection every time.
func httpsGet(t *testing.T, tlsAddr string, ca *certstest.Pebble) (*http.Response, string) {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: ca.Roots},
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, tlsAddr)
		},
	}
	defer tr.CloseIdleConnections()
	// The first request waits for issuance, which takes a few seconds.
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	resp, err := client.Get("https://" + domain + "/")
	if err != nil {
		t.Fatalf("GET https://%s/ via %s: %v", domain, tlsAddr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET https://%s/: read body: %v", domain, err)
	}
	return resp, string(body)
}

// serve runs s until the returned stop is called or the test ends; stop
// returns Serve's result.
func serve(t *testing.T, s *certs.Server) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("Serve did not return 30 s after cancel")
		}
	})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return stop
}

func TestListenBindError(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()

	for _, tt := range []struct {
		name              string
		tlsAddr, httpAddr string
		want              string
	}{
		{"https", addr, "127.0.0.1:0", "certs: listen " + addr + ": address already in use (stop the other server on it, or set FOOTFALL_TLS_ADDR)"},
		{"http", "127.0.0.1:0", addr, "certs: listen " + addr + ": address already in use (stop the other server on it, or set FOOTFALL_ACME_HTTP_ADDR)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := certs.Options{
				Domain:   domain,
				CacheDir: t.TempDir(),
				TLSAddr:  tt.tlsAddr,
				HTTPAddr: tt.httpAddr,
				Handler:  http.NotFoundHandler(),
				Logger:   testLogger(t),
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := certs.Serve(ctx, o)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Serve(%s busy) = %v, want %q", tt.name, err, tt.want)
			}
			if !errors.Is(err, syscall.EADDRINUSE) {
				t.Errorf("Serve(%s busy) = %v, want errors.Is EADDRINUSE", tt.name, err)
			}
			if ctx.Err() != nil {
				t.Errorf("Serve(%s busy) waited for the context instead of failing", tt.name)
			}
		})
	}
}

func TestCloseReleasesListeners(t *testing.T) {
	s, err := certs.Listen(certs.Options{
		Domain: domain, CacheDir: t.TempDir(), Handler: http.NotFoundHandler(),
		TLSAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Logger: testLogger(t),
	})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, addr := range []net.Addr{s.TLSAddr(), s.HTTPAddr()} {
		ln, err := net.Listen("tcp", addr.String())
		if err != nil {
			t.Errorf("after Close, listen %s: %v", addr, err)
			continue
		}
		ln.Close()
	}
}

func TestListenRejectsOptions(t *testing.T) {
	ok := certs.Options{Domain: domain, CacheDir: t.TempDir(), Handler: http.NotFoundHandler()}
	for _, tt := range []struct {
		name   string
		change func(*certs.Options)
		want   string
	}{
		{"no domain", func(o *certs.Options) { o.Domain = "" }, "certs: no domain"},
		{"dotless domain", func(o *certs.Options) { o.Domain = "localhost" }, `certs: domain "localhost" is not a host name with a dot, such as stats.example.com`},
		{"URL as domain", func(o *certs.Options) { o.Domain = "https://stats.example.test" }, `certs: domain "https://stats.example.test" is not a host name with a dot, such as stats.example.com`},
		{"no cache", func(o *certs.Options) { o.CacheDir = "" }, "certs: no cache directory"},
		{"no handler", func(o *certs.Options) { o.Handler = nil }, "certs: no handler"},
	} {
		o := ok
		tt.change(&o)
		if s, err := certs.Listen(o); err == nil || err.Error() != tt.want {
			if s != nil {
				s.Close()
			}
			t.Errorf("Listen(%s) = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// testLogger keeps the server's log and prints it if the test fails. It
// writes to a buffer rather than t.Log because certificate work may still
// finish, and log, after a failed test has returned.
func testLogger(t *testing.T) *slog.Logger {
	var (
		mu  sync.Mutex
		buf bytes.Buffer
	)
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func subjects(chain []*x509.Certificate) []string {
	var s []string
	for _, c := range chain {
		s = append(s, c.Subject.CommonName)
	}
	return s
}

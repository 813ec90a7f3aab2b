// Package certstest runs pebble, Let's Encrypt's ACME test CA, inside a test
// process, so certificate code is tested against a real CA rather than a mock.
//
// Pebble validates challenges for real: its validation authority resolves
// every name to 127.0.0.1 through a DNS server started here, and connects
// to whatever Pebble.Route points it at. A test that passes therefore proves
// the server under test answered tls-alpn-01 or http-01 itself.
package certstest

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// Pebble is a running pebble CA. Everything it starts stops when the test
// ends; its log is printed if the test failed.
type Pebble struct {
	// DirectoryURL is the ACME directory to give to the client under test.
	DirectoryURL string
	// Client trusts pebble's HTTPS API; give it to the ACME client.
	Client *http.Client
	// Root is the root certificates are issued under, fetched from pebble's
	// management interface (/roots/0). Pebble makes a new one at each start.
	Root *x509.Certificate
	// Roots holds Root, for a tls.Config that checks served certificates.
	Roots *x509.CertPool

	httpFwd, tlsFwd *forwarder
}

// StartPebble starts a CA with its API, management interface, DNS server and
// validation ports on 127.0.0.1. Until Route is called, validation fails.
//
// Pebble reads its settings from the environment, so StartPebble uses
// t.Setenv and cannot be used in parallel tests.
func StartPebble(t testing.TB) *Pebble {
	t.Helper()
	logs := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pebble log:\n%s", logs.String())
		}
	})
	logger := log.New(logs, "pebble ", log.Lmicroseconds)

	// Set before the constructors below, which read them once. Sleeps and
	// random nonce rejections exist to shake out client bugs and only slow a
	// test down; authorisation reuse would let an order pass without the
	// server under test answering a challenge.
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_VA_ALWAYS_VALID", "0")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	t.Setenv("PEBBLE_AUTHZREUSE", "0")

	p := &Pebble{httpFwd: newForwarder(t), tlsFwd: newForwarder(t)}
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{
		"default": {Description: "certstest"},
	})
	validator := va.New(logger, p.httpFwd.port(), p.tlsFwd.port(), false, startDNS(t), store)
	frontEnd := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)

	api := startTLS(t, frontEnd.Handler(), logger)
	mgmt := startTLS(t, frontEnd.ManagementHandler(), logger)

	p.DirectoryURL = api.URL + wfe.DirectoryPath
	p.Client = api.Client()
	root, err := fetchRoot(mgmt)
	if err != nil {
		t.Fatalf("pebble: root certificate: %v", err)
	}
	p.Root = root
	p.Roots = x509.NewCertPool()
	p.Roots.AddCert(p.Root)
	return p
}

// Route sends pebble's validation connections for http-01 to httpAddr and
// for tls-alpn-01 to tlsAddr (host:port). An empty address refuses that
// challenge, which is how a test makes the client fall back to the other.
func (p *Pebble) Route(httpAddr, tlsAddr string) {
	p.httpFwd.target.Store(&httpAddr)
	p.tlsFwd.target.Store(&tlsAddr)
}

// startTLS serves h over HTTPS with httptest's certificate, which the
// server's Client trusts: pebble's own test certificate would do as well, but
// would have to be found on disk in the module cache.
func startTLS(t testing.TB, h http.Handler, logger *log.Logger) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	// Clients that hang up mid-handshake at the end of a test are not news.
	srv.Config.ErrorLog = logger
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func fetchRoot(mgmt *httptest.Server) (*x509.Certificate, error) {
	resp, err := mgmt.Client().Get(mgmt.URL + wfe.RootCertPath + "0")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %q", resp.Status, body)
	}
	block, _ := pem.Decode(body)
	if block == nil {
		return nil, fmt.Errorf("not PEM: %q", body)
	}
	return x509.ParseCertificate(block.Bytes)
}

// startDNS serves A 127.0.0.1 for every name, over TCP (the only transport
// pebble's validation authority uses), and returns its address.
func startDNS(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dns: %v", err)
	}
	srv := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			// AAAA gets an empty answer: loopback IPv6 may be missing.
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.IPv4(127, 0, 0, 1),
				})
			}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return ln.Addr().String()
}

// forwarder is a TCP relay on a fixed port. Pebble's validation ports are set
// when it starts, before the server under test has bound its own free ports,
// so the validation authority connects here and is relayed there.
type forwarder struct {
	ln     net.Listener
	target atomic.Pointer[string]
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

func newForwarder(t testing.TB) *forwarder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("forwarder: %v", err)
	}
	f := &forwarder{ln: ln, conns: map[net.Conn]struct{}{}}
	f.wg.Go(f.accept)
	t.Cleanup(f.close)
	return f
}

func (f *forwarder) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *forwarder) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Go(func() { f.relay(c) })
	}
}

func (f *forwarder) relay(c net.Conn) {
	defer c.Close()
	target := f.target.Load()
	if target == nil || *target == "" {
		return
	}
	up, err := net.Dial("tcp", *target)
	if err != nil {
		return
	}
	defer up.Close()
	if !f.track(c, up) {
		return
	}
	defer f.untrack(c, up)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	// Either side finishing ends the exchange: validation is one request.
	<-done
}

// track registers live connections so close can cut them; it reports false
// once the forwarder is closed.
func (f *forwarder) track(cs ...net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns == nil {
		return false
	}
	for _, c := range cs {
		f.conns[c] = struct{}{}
	}
	return true
}

func (f *forwarder) untrack(cs ...net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		delete(f.conns, c)
	}
}

func (f *forwarder) close() {
	_ = f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		_ = c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.wg.Wait()
}

// lockedBuffer collects pebble's log, written from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

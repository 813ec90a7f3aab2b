// Package certs serves Footfall over HTTPS on its own public name, with a
// certificate it obtains and renews itself from an ACME CA (Let's Encrypt by
// default) through golang.org/x/crypto/acme/autocert. It runs two listeners:
// HTTPS (:443) for the application, and plain HTTP (:80) that answers ACME
// http-01 challenges and redirects everything else to HTTPS. The tls-alpn-01
// challenge is answered on the HTTPS listener itself, so issuance works even
// where port 80 is filtered, as long as it can be bound.
//
// Certificates, their keys and the ACME account key live in Options.CacheDir;
// keep it across restarts, or every start asks the CA for a new certificate
// and soon hits its rate limits.
//
// To run the binary against pebble (the ACME test CA) instead of Let's
// Encrypt, point the directory at it and make Go trust pebble's HTTPS
// certificate through SSL_CERT_FILE, which Go on Linux reads in place of the
// system roots (for every outbound connection of the process, so only do
// this for testing). From the repository:
//
//	go build -o /tmp/pebble github.com/letsencrypt/pebble/v2/cmd/pebble
//	PEBBLE=$(go list -m -f '{{.Dir}}' github.com/letsencrypt/pebble/v2)
//	(cd "$PEBBLE" && PEBBLE_VA_ALWAYS_VALID=1 /tmp/pebble -config test/config/pebble-config.json) &
//	FOOTFALL_DOMAIN=stats.example.test \
//	FOOTFALL_ACME_DIRECTORY_URL=https://localhost:14000/dir \
//	FOOTFALL_TLS_ADDR=:8443 FOOTFALL_ACME_HTTP_ADDR=:8080 \
//	SSL_CERT_FILE="$PEBBLE/test/certs/pebble.minica.pem" \
//	footfall serve
//
// PEBBLE_VA_ALWAYS_VALID skips challenge validation, which would need DNS for
// the name and the real ports 80 and 443. The issuing root is made afresh
// at each pebble start; fetch it to check the served certificate:
//
//	curl -sk https://localhost:15000/roots/0 > /tmp/pebble-root.pem
//	curl --cacert /tmp/pebble-root.pem --resolve stats.example.test:8443:127.0.0.1 https://stats.example.test:8443/
//
// In-process tests set Options.HTTPClient instead; app/certs/certstest runs
// pebble inside the test, with real validation.
package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// Options configures Serve and Listen. Domain, CacheDir and Handler are
// required.
type Options struct {
	// Domain is the one host name certificates are obtained for and
	// redirects point to, e.g. "stats.example.com". Requests for any other
	// name fail the TLS handshake, so nobody can make us ask the CA for
	// certificates of names we do not own.
	Domain string
	// Email is the ACME account contact, where the CA sends expiry and
	// policy notices. Optional.
	Email string
	// DirectoryURL is the ACME directory; empty means Let's Encrypt's
	// production directory.
	DirectoryURL string
	// CacheDir holds certificates and account keys; created 0700 if absent.
	CacheDir string
	// TLSAddr is the HTTPS listen address, ":443" if empty.
	TLSAddr string
	// HTTPAddr is the plain HTTP listen address, ":80" if empty.
	HTTPAddr string
	// Logger receives certificate events and failures, already tagged with
	// the caller's component; slog.Default() if nil.
	Logger *slog.Logger
	// Handler serves the application over HTTPS.
	Handler http.Handler
	// HTTPClient, if set, is the client used to talk to the ACME CA. Tests
	// set it to trust a test CA's HTTPS certificate.
	HTTPClient *http.Client
}

// The setting names in bind errors: an operator who cannot bind a port needs
// to know which variable moves it. They are app/config's contract.
const (
	tlsAddrSetting  = "FOOTFALL_TLS_ADDR"
	httpAddrSetting = "FOOTFALL_ACME_HTTP_ADDR"
)

// shutdownTimeout bounds how long Serve waits for in-flight requests once its
// context is cancelled; it stays well inside the 30 s a service manager or
// Kubernetes allows before killing the process.
const shutdownTimeout = 10 * time.Second

// Server is a bound pair of HTTPS and HTTP listeners, ready to serve. Use
// Listen to create one; connections made after Listen returns wait in the
// kernel's queue until Serve runs.
type Server struct {
	domain  string
	log     *slog.Logger
	manager *autocert.Manager
	tlsLn   net.Listener
	httpLn  net.Listener
	https   *http.Server
	http    *http.Server
}

// Serve binds both listeners and serves until ctx is cancelled, then shuts
// down gracefully. It returns nil after a clean shutdown, and an error if a
// listener cannot be bound, fails while serving, or in-flight requests
// outlast the shutdown timeout. It is Listen followed by Server.Serve.
func Serve(ctx context.Context, o Options) error {
	s, err := Listen(o)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Listen checks o, creates the cache directory and binds both listeners
// without serving yet, so that bind errors surface before the caller reports
// itself ready. A bind error names the address and, for the usual causes
// (a privileged port, a port already in use), what to do about it; it wraps
// the underlying error for errors.Is.
func Listen(o Options) (*Server, error) {
	domain := strings.ToLower(strings.TrimSuffix(o.Domain, "."))
	switch {
	case domain == "":
		return nil, errors.New("certs: no domain")
	case !strings.Contains(domain, ".") || strings.ContainsAny(domain, "/: "):
		// autocert would accept this and then fail every handshake.
		return nil, fmt.Errorf("certs: domain %q is not a host name with a dot, such as stats.example.com", o.Domain)
	case o.CacheDir == "":
		return nil, errors.New("certs: no cache directory")
	case o.Handler == nil:
		return nil, errors.New("certs: no handler")
	}
	if o.TLSAddr == "" {
		o.TLSAddr = ":443"
	}
	if o.HTTPAddr == "" {
		o.HTTPAddr = ":80"
	}
	if o.Logger == nil {
		o.Logger = slog.Default().With("component", "certs")
	}
	log := o.Logger.With("domain", domain)

	// autocert creates the directory lazily, at the first certificate; doing
	// it here turns a read-only or misowned data dir into a start-up error.
	if err := os.MkdirAll(o.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: cache directory: %w", err)
	}

	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(domain),
		Email:      o.Email,
		Cache:      autocert.DirCache(o.CacheDir),
		Client: &acme.Client{
			DirectoryURL: o.DirectoryURL,
			HTTPClient:   o.HTTPClient,
			UserAgent:    "footfall",
		},
	}

	tlsConf := m.TLSConfig() // h2, http/1.1 and acme-tls/1 for tls-alpn-01
	tlsConf.MinVersion = tls.VersionTLS12
	tlsConf.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		cert, err := m.GetCertificate(hello)
		// Failures for other names are scanners and mistyped hosts; failures
		// for ours mean visitors get no page, which the operator must see.
		if err != nil && strings.EqualFold(strings.TrimSuffix(hello.ServerName, "."), domain) {
			log.Warn("no certificate for handshake", "err", err)
		}
		return cert, err
	}

	// TLS handshake errors from the open internet are constant noise.
	errLog := slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	s := &Server{
		domain:  domain,
		log:     log,
		manager: m,
		https: &http.Server{
			Handler:           hsts(o.Handler),
			TLSConfig:         tlsConf,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			// Handlers that stream longer (exports) extend their own deadline
			// with http.ResponseController.
			WriteTimeout:   120 * time.Second,
			IdleTimeout:    120 * time.Second,
			MaxHeaderBytes: 64 << 10,
			ErrorLog:       errLog,
		},
		// Nothing but challenges and redirects here: keep it tight.
		http: &http.Server{
			Handler:           bareHost(m.HTTPHandler(redirect(domain))),
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       30 * time.Second,
			MaxHeaderBytes:    16 << 10,
			ErrorLog:          errLog,
		},
	}

	var err error
	if s.tlsLn, err = listen(o.TLSAddr, tlsAddrSetting); err != nil {
		return nil, err
	}
	if s.httpLn, err = listen(o.HTTPAddr, httpAddrSetting); err != nil {
		_ = s.tlsLn.Close()
		return nil, err
	}
	return s, nil
}

// TLSAddr is the address the HTTPS listener is bound to, with the port the
// system chose if Options.TLSAddr asked for port 0.
func (s *Server) TLSAddr() net.Addr { return s.tlsLn.Addr() }

// HTTPAddr is the address the plain HTTP listener is bound to.
func (s *Server) HTTPAddr() net.Addr { return s.httpLn.Addr() }

// Close releases the listeners of a Server that will not be served. To stop
// a serving Server, cancel the context given to Serve.
func (s *Server) Close() error {
	return errors.Join(s.tlsLn.Close(), s.httpLn.Close())
}

// Serve serves both listeners until ctx is cancelled, then stops accepting,
// waits for in-flight requests (up to a bounded timeout) and returns nil. If
// either listener fails first, both are shut down and the failure returned.
// Call it at most once.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- s.https.ServeTLS(s.tlsLn, "", "") }()
	go func() { errc <- s.http.Serve(s.httpLn) }()
	go s.warm()
	s.log.Info("serving https", "https", s.TLSAddr().String(), "http", s.HTTPAddr().String())

	var err error
	running := 2
	select {
	case <-ctx.Done():
	case err = <-errc:
		running--
		err = fmt.Errorf("certs: serve: %w", err)
	}

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	for _, srv := range []*http.Server{s.https, s.http} {
		if serr := srv.Shutdown(sctx); serr != nil {
			// Requests still running past the deadline are cut off so
			// Serve keeps its promise to return.
			_ = srv.Close()
			err = errors.Join(err, fmt.Errorf("certs: shutdown: %w", serr))
		}
	}
	for ; running > 0; running-- {
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, fmt.Errorf("certs: serve: %w", serr))
		}
	}
	return err
}

// warm obtains (or loads) the certificate as soon as the server starts,
// rather than in the first visitor's handshake, so the operator learns at
// start-up whether DNS, ports and the CA agree, and the first visitor does not
// wait for issuance. Serve does not wait for it: an ACME exchange may take
// longer than a shutdown should, and its only effect here is a log line.
func (s *Server) warm() {
	cert, err := s.manager.GetCertificate(&tls.ClientHelloInfo{
		ServerName: s.domain,
		// Advertising an ECDSA suite gets the ECDSA certificate modern
		// clients will ask for, not the RSA fallback.
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
	})
	if err != nil {
		s.log.Error("certificate not obtained; will retry at the next handshake", "err", err)
		return
	}
	if cert.Leaf != nil {
		s.log.Info("certificate ready", "not_after", cert.Leaf.NotAfter)
	}
}

// listen binds addr and, for the failures an operator can fix, says how.
func listen(addr, setting string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	return nil, &bindError{addr: addr, hint: bindHint(err, setting), err: err}
}

func bindHint(err error, setting string) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "permission denied (run as root, grant CAP_NET_BIND_SERVICE, or set " + setting + ")"
	case errors.Is(err, syscall.EADDRINUSE):
		return "address already in use (stop the other server on it, or set " + setting + ")"
	}
	return ""
}

// bindError keeps the raw error for errors.Is while printing a message an
// operator can act on instead of "bind: permission denied".
type bindError struct {
	addr, hint string
	err        error
}

func (e *bindError) Error() string {
	if e.hint == "" {
		return fmt.Sprintf("certs: listen %s: %v", e.addr, e.err)
	}
	return fmt.Sprintf("certs: listen %s: %s", e.addr, e.hint)
}

func (e *bindError) Unwrap() error { return e.err }

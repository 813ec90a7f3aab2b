package certs

import (
	"net"
	"net/http"
	"net/url"
)

// hstsValue asks browsers to use HTTPS only for a year. It leaves out
// includeSubDomains and preload: those bind every other name under the
// operator's domain, which is not ours to decide.
const hstsValue = "max-age=31536000"

// hsts marks every HTTPS response, so a browser that once reached us over
// HTTPS never again tries plain HTTP, where a network attacker could answer.
func hsts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hstsValue)
		next.ServeHTTP(w, r)
	})
}

// redirect sends every plain HTTP request to the same path and query on
// https://domain. The target host is always the configured domain, never the
// request's Host header, so the redirect cannot be pointed elsewhere. It
// names no port: the CA validates on 80 and 443 only, so those are the public
// ports whatever the process binds behind a port mapping. 308 rather than 301
// keeps the method and body, so a beacon POSTed to http:// still arrives.
func redirect(domain string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := url.URL{
			Scheme:   "https",
			Host:     domain,
			Path:     r.URL.Path,
			RawPath:  r.URL.RawPath,
			RawQuery: r.URL.RawQuery,
		}
		if target.Path == "" || target.Path[0] != '/' {
			// "OPTIONS *" and the like: no path worth keeping.
			target.Path, target.RawPath = "/", ""
		}
		w.Header().Set("Location", target.String())
		w.WriteHeader(http.StatusPermanentRedirect)
	})
}

// bareHost drops any port from the Host header before autocert's http-01
// handler checks it against the host policy, which compares bare names. Let's
// Encrypt sends a bare name, but pebble sends "name:port" even for port 80,
// and a CA may: such a challenge would otherwise be refused with 403. The
// redirect ignores Host, so it is unaffected.
func bareHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host, _, err := net.SplitHostPort(r.Host); err == nil {
			r = r.Clone(r.Context())
			r.Host = host
		}
		next.ServeHTTP(w, r)
	})
}

package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Header values set on every response, built once: http.Header.Set would
// allocate a fresh slice per header per request, which shows up on the
// ingest path. The slices are never appended to in place (cap 1).
var (
	hdrNosniff  = []string{"nosniff"}
	pageHeaders = map[string][]string{
		"Referrer-Policy":            {"strict-origin-when-cross-origin"},
		"X-Frame-Options":            {"DENY"},
		"Content-Security-Policy":    {"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"},
		"Cross-Origin-Opener-Policy": {"same-origin"},
	}
)

// securityHeaders sets the headers responses carry. Every response gets
// nosniff and a request id; pages also get the framing, referrer and
// content policies, which mean nothing on the JSON API and would only cost
// the busiest endpoint time.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h["X-Content-Type-Options"] = hdrNosniff
		if !strings.HasPrefix(c.Request().URL.Path, "/api/") {
			for k, v := range pageHeaders {
				h[k] = v
			}
		}
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if id == "" || len(id) > 64 {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		h[echo.HeaderXRequestID] = []string{id}
		return next(c)
	}
}

// recoverer turns a panic into a logged 500 instead of a dropped connection.
func recoverer(logger *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					logger.Error("panic in handler", "path", c.Path(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return next(c)
		}
	}
}

// observe records request latency by route, method and status.
func observe(reg *prometheus.Registry) echo.MiddlewareFunc {
	hist := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "footfall_http_request_duration_seconds",
		Help:    "HTTP request latency by route, method and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})
	reg.MustRegister(hist)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := c.Response().Status
			if err != nil {
				status = http.StatusInternalServerError
				var apiErr *Error
				var echoErr *echo.HTTPError
				if errors.As(err, &apiErr) {
					status = apiErr.Status
				} else if errors.As(err, &echoErr) {
					status = echoErr.Code
				}
			}
			route := c.Path()
			if route == "" || strings.HasPrefix(route, "/*") {
				route = "other"
			}
			hist.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// bearer admits requests carrying "Authorization: Bearer token".
func bearer(token string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			got, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				return apiError(http.StatusUnauthorized, "unauthorized", "a valid Bearer token is required")
			}
			return next(c)
		}
	}
}

// clientIP believes X-Forwarded-For and CF-Connecting-IP only when the
// connection comes from a trusted proxy; then it takes CF-Connecting-IP,
// or the right-most address in X-Forwarded-For that is not itself a
// trusted proxy (the left-most entries are whatever the client claimed).
func clientIP(trusted []netip.Prefix) echo.IPExtractor {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		remote := remoteAddr(r.RemoteAddr)
		if !remote.IsValid() || !isTrusted(remote) {
			return remote.String()
		}
		if cf := strings.TrimSpace(r.Header.Get("CF-Connecting-IP")); cf != "" {
			if a, err := netip.ParseAddr(cf); err == nil {
				return a.Unmap().String()
			}
		}
		xff := r.Header.Values("X-Forwarded-For")
		for i := len(xff) - 1; i >= 0; i-- {
			parts := strings.Split(xff[i], ",")
			for j := len(parts) - 1; j >= 0; j-- {
				a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
				if err != nil {
					return remote.String()
				}
				a = a.Unmap()
				if !isTrusted(a) {
					return a.String()
				}
			}
		}
		return remote.String()
	}
}

func remoteAddr(hostport string) netip.Addr {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(hostport)
	return a.Unmap()
}

func itoa(n int) string { return strconv.Itoa(n) }

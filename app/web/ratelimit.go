package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/memory"
	"github.com/labstack/echo/v4"
)

// routeLimit is one row of the rate-limit table: requests to Route
// (method and path pattern as in routes.go) count against Limit per Key.
type routeLimit struct {
	Route string
	Limit store.Limit
	Key   string // "ip": the client address
	What  string // "events", for the 429's sentence
	// Local counts in this process rather than on the shared limiter:
	// for ingestion, whose hot path must never wait for Redis; a limit
	// per replica is what abuse protection needs there.
	Local bool
}

// routeLimits is every per-route rate limit (sign-in, set-up, sign-up and
// password limits are per account as well: accountLimits in account.go).
// Ingestion's defaults are generous: a busy office behind one NAT address
// sends far less than 50 events a second.
var routeLimits = []routeLimit{
	{"POST /api/event", store.Limit{Rate: 50, Period: time.Second, Burst: 500}, "ip", "events", true},
	{"POST /api/auth/invitations/accept", store.PerMinute(10), "ip", "invitation attempts", false},
	{"POST /api/auth/invitations/lookup", store.PerMinute(20), "ip", "invitation look-ups", false},
}

// siteEventLimit bounds ingestion per site (in process, like the IP
// limit): above what one replica takes on two cores (≈20k events a
// second), it only bites on big machines, where it stops one flooded site
// from filling the queue every other site shares.
var siteEventLimit = store.Limit{Rate: 50000, Period: time.Second, Burst: 100000}

// rateLimits returns the middleware that applies routeLimits, with
// shared counting on limiter (nil: none) and local counting in process.
// A failing limiter lets requests through.
func rateLimits(d Deps, local store.Limiter) echo.MiddlewareFunc {
	byRoute := map[string]routeLimit{}
	for _, l := range routeLimits {
		byRoute[l.Route] = l
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			l, ok := byRoute[c.Request().Method+" "+c.Path()]
			if !ok {
				return next(c)
			}
			lim := d.Limiter
			if l.Local {
				lim = local
			}
			if lim == nil {
				return next(c)
			}
			key := l.Route + ":" + l.Key + ":" + c.RealIP()
			a, err := lim.Allow(c.Request().Context(), key, l.Limit)
			if err != nil {
				d.Logger.Warn("rate limiter failed; letting the request through", "route", l.Route, "err", err)
				return next(c)
			}
			if !a.Allowed {
				if c.Request().Method == http.MethodPost && l.Route == "POST /api/event" {
					setCORS(c)
				}
				return rateLimited(fmt.Sprintf("more than %d %s %s from this address", l.Limit.Rate, l.What, per(l.Limit.Period)), a.RetryAfter)
			}
			return next(c)
		}
	}
}

func per(p time.Duration) string {
	switch p {
	case time.Second:
		return "a second"
	case time.Minute:
		return "a minute"
	case time.Hour:
		return "an hour"
	}
	return "in " + p.String()
}

// siteLimiter limits ingestion per site, in process.
type siteLimiter struct {
	lim store.Limiter
}

func newSiteLimiter() *siteLimiter { return &siteLimiter{lim: memory.NewLimiter()} }

// allow counts one event for site.
func (s *siteLimiter) allow(c echo.Context, site store.Site) error {
	a, err := s.lim.Allow(c.Request().Context(), "site:"+strconv.FormatInt(site.ID, 10), siteEventLimit)
	if err != nil || a.Allowed {
		return nil
	}
	setCORS(c)
	return rateLimited(fmt.Sprintf("this site receives more than %d events a second on this server", siteEventLimit.Rate), a.RetryAfter)
}

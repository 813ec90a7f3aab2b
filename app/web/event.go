package web

import (
	"errors"
	"github.com/footfallhq/footfall/app/access"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/ingest"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

type eventHandler struct {
	ingester  Ingester
	siteLimit *siteLimiter
	// auth and access serve server-side senders (see post); auth nil: a
	// Bearer key is ignored.
	auth   *authenticator
	access access.Checker
	// staff, if set, refuses the events of blocked and deleted accounts.
	staff *staff.Service
}

// post is POST /api/event. Trackers run on other origins, so CORS is open;
// no credentials are involved. A server sending events for its visitors
// authenticates with an API key of scope events:write, on sites where the
// key's user is an editor or more: its X-Forwarded-For (first address)
// and User-Agent are then taken as the visitor's.
func (h *eventHandler) post(c echo.Context) error {
	setCORS(c)
	body, err := readBody(c, ingest.MaxBodyBytes)
	if err != nil {
		return err
	}
	ip, _ := netip.ParseAddr(c.RealIP())
	admit := func(s store.Site) error {
		if err := h.refused(c, s); err != nil {
			return err
		}
		return h.siteLimit.allow(c, s)
	}
	if h.auth != nil && c.Request().Header.Get("Authorization") != "" {
		user, err := h.auth.user(c)
		if err != nil {
			return err
		}
		if err := requireScope(c, store.ScopeEventsWrite); err != nil {
			return err
		}
		if fwd, _, _ := strings.Cut(c.Request().Header.Get("X-Forwarded-For"), ","); fwd != "" {
			a, err := netip.ParseAddr(strings.TrimSpace(fwd))
			if err != nil {
				return apiError(http.StatusBadRequest, "invalid_forwarded_for", "X-Forwarded-For must start with the visitor's IP address")
			}
			ip = a
		}
		admit = func(s store.Site) error {
			err := h.access.Site(c.Request().Context(), user, s, access.EditGoals)
			if err := accessError(err, apiError(http.StatusNotFound, "unknown_site", "this API key's user may not send events for "+s.Domain)); err != nil {
				return err
			}
			if err := h.refused(c, s); err != nil {
				return err
			}
			return h.siteLimit.allow(c, s)
		}
	}
	err = h.ingester.Ingest(c.Request().Context(), body, ingest.Client{
		IP:        ip,
		UserAgent: c.Request().UserAgent(),
		Time:      time.Now(),
		Admit:     admit,
	})
	var inputErr *ingest.InputError
	switch {
	case err == nil:
		return c.String(http.StatusAccepted, "ok")
	case errors.As(err, &inputErr):
		return apiError(http.StatusBadRequest, inputErr.Code, inputErr.Message)
	case errors.Is(err, ingest.ErrPaused):
		// 402: the account must pay (or wait for its next period); the
		// tracker ignores answers, so visitors' pages are unaffected.
		return apiError(http.StatusPaymentRequired, "over_quota", ingest.ErrPaused.Error())
	case errors.Is(err, store.ErrFull):
		return &Error{Status: http.StatusServiceUnavailable, Code: "queue_full",
			Message: "the server is busy storing events; retry shortly", RetryAfter: 5}
	case errors.Is(err, store.ErrClosed):
		return &Error{Status: http.StatusServiceUnavailable, Code: "shutting_down",
			Message: "the server is restarting; retry shortly", RetryAfter: 5}
	case errors.Is(err, store.ErrUnavailable):
		// The queue's server (Redis) is unreachable: the event was not
		// taken, and the tracker may retry; it is not the client's fault
		// and not a bug here either.
		return &Error{Status: http.StatusServiceUnavailable, Code: "queue_unavailable",
			Message: "the server cannot store events right now; retry shortly", RetryAfter: 5}
	}
	return err
}

// refused answers the events of a site whose account staff blocked (403
// account_blocked) or deleted (410 account_deleted). The tracker ignores
// answers, so visitors' pages are unaffected; a server-side sender learns
// why.
func (h *eventHandler) refused(c echo.Context, s store.Site) error {
	if h.staff == nil {
		return nil
	}
	refused, deleted := h.staff.Refused(c.Request().Context(), s.ID)
	switch {
	case !refused:
		return nil
	case deleted:
		return apiError(http.StatusGone, "account_deleted", "the account of "+s.Domain+" was deleted: its events are no longer accepted")
	}
	return apiError(http.StatusForbidden, "account_blocked", "the account of "+s.Domain+" is blocked by the operator: its events are not being counted")
}

func (h *eventHandler) preflight(c echo.Context) error {
	setCORS(c)
	return c.NoContent(http.StatusNoContent)
}

// CORS header values, built once (see securityHeaders).
var (
	corsOrigin  = []string{"*"}
	corsMethods = []string{"POST, OPTIONS"}
	corsHeaders = []string{"Content-Type, Authorization"}
	corsMaxAge  = []string{"86400"}
)

// setCORS opens a POST endpoint to every origin; no credentials are
// involved (API keys travel in Authorization, never in cookies).
func setCORS(c echo.Context) {
	hd := c.Response().Header()
	hd["Access-Control-Allow-Origin"] = corsOrigin
	hd["Access-Control-Allow-Methods"] = corsMethods
	hd["Access-Control-Allow-Headers"] = corsHeaders
	hd["Access-Control-Max-Age"] = corsMaxAge
}

// readBody reads at most limit bytes, answering 413 for more.
func readBody(c echo.Context, limit int64) ([]byte, error) {
	r := c.Request()
	if r.ContentLength > limit {
		return nil, apiError(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than "+itoa(int(limit))+" bytes")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, apiError(http.StatusBadRequest, "unreadable_body", "could not read the request body")
	}
	if int64(len(body)) > limit {
		return nil, apiError(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than "+itoa(int(limit))+" bytes")
	}
	return body, nil
}

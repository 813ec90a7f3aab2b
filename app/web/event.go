package web

import (
	"errors"
	"io"
	"net/http"
	"net/netip"
	"time"

	"github.com/footfallhq/footfall/app/ingest"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

type eventHandler struct {
	ingester Ingester
}

// post is POST /api/event. Trackers run on other origins, so CORS is open;
// no credentials are involved.
func (h *eventHandler) post(c echo.Context) error {
	setCORS(c)
	body, err := readBody(c, ingest.MaxBodyBytes)
	if err != nil {
		return err
	}
	ip, _ := netip.ParseAddr(c.RealIP())
	err = h.ingester.Ingest(c.Request().Context(), body, ingest.Client{
		IP:        ip,
		UserAgent: c.Request().UserAgent(),
		Time:      time.Now(),
	})
	var inputErr *ingest.InputError
	switch {
	case err == nil:
		return c.String(http.StatusAccepted, "ok")
	case errors.As(err, &inputErr):
		return apiError(http.StatusBadRequest, inputErr.Code, inputErr.Message)
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

package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/store"
)

// Error is an HTTP answer with a JSON body {"error": Message, "code": Code}.
// Handlers return it for the client's mistakes; any other error is an
// internal fault, logged with the request id and answered with a 500 that
// reveals nothing.
type Error struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, in seconds, is sent as Retry-After when positive.
	RetryAfter int
	// Limit and Plan name the plan limit a 402 plan_limit answer is
	// about (hosted mode), for clients to offer the right upgrade.
	Limit string
	Plan  string
}

func (e *Error) Error() string { return e.Message }

func apiError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	Limit string `json:"limit,omitempty"`
	Plan  string `json:"plan,omitempty"`
}

func errorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		var apiErr *Error
		var echoErr *echo.HTTPError
		var limitErr *billing.LimitError
		switch {
		case errors.As(err, &apiErr):
		case errors.As(err, &limitErr):
			apiErr = planLimitError(limitErr)
		case errors.As(err, &echoErr):
			// echo's own answers: unknown route, wrong method, too large.
			msg := http.StatusText(echoErr.Code)
			if s, ok := echoErr.Message.(string); ok {
				msg = s
			}
			apiErr = apiError(echoErr.Code, codeFor(echoErr.Code), msg)
		case errors.Is(err, store.ErrUnavailable):
			// A server backend is down: not the client's mistake, nor a
			// bug here; worth retrying shortly.
			logger.Warn("request failed: backend unavailable", "method", c.Request().Method, "path", c.Path(),
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
			apiErr = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable",
				Message: "a storage backend is unavailable; try again shortly", RetryAfter: 5}
		default:
			logger.Error("request failed", "method", c.Request().Method, "path", c.Path(),
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
			apiErr = apiError(http.StatusInternalServerError, "internal", "internal error; it has been logged")
		}
		if apiErr.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", itoa(apiErr.RetryAfter))
		}
		var werr error
		if c.Request().Method == http.MethodHead {
			werr = c.NoContent(apiErr.Status)
		} else {
			werr = c.JSON(apiErr.Status, errorBody{Error: apiErr.Message, Code: apiErr.Code, Limit: apiErr.Limit, Plan: apiErr.Plan})
		}
		if werr != nil {
			logger.Debug("writing error response", "err", werr)
		}
	}
}

func codeFor(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "body_too_large"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "bad_request"
}

// planLimitError answers an action the account's plan does not allow
// (hosted mode): 402, the limit and the plan named, the way out in the
// message.
func planLimitError(e *billing.LimitError) *Error {
	return &Error{Status: http.StatusPaymentRequired, Code: "plan_limit", Limit: e.Limit, Plan: e.Plan.Code,
		Message: e.Error() + " (see /billing)"}
}

package web

import (
	"errors"
	"net/http"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

type statsHandler struct {
	stats  Stats
	auth   *authenticator
	access access.Checker
}

// allowed authenticates the request (an API key needs stats:read) and
// returns which sites its user may read.
func (h *statsHandler) allowed(c echo.Context) (func(store.Site) bool, error) {
	user, err := h.auth.user(c)
	if err != nil {
		return nil, err
	}
	if err := requireScope(c, store.ScopeStatsRead); err != nil {
		return nil, err
	}
	roles, err := h.access.Roles(c.Request().Context(), user)
	if err != nil {
		return nil, err
	}
	return func(s store.Site) bool { return roles.Site(s, access.ReadStats) }, nil
}

// query is POST /api/v2/query, authorised by an API key or a session.
func (h *statsHandler) query(c echo.Context) error {
	setCORS(c)
	ctx := c.Request().Context()
	allowed, err := h.allowed(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, query.MaxBodyBytes)
	if err != nil {
		return err
	}
	res, err := h.stats.Run(ctx, body, allowed)
	var inputErr *query.InputError
	switch {
	case err == nil:
		return c.JSON(http.StatusOK, res)
	case errors.As(err, &inputErr):
		return apiError(http.StatusBadRequest, "invalid_query", inputErr.Message)
	case errors.Is(err, query.ErrNoSite):
		return apiError(http.StatusNotFound, "site_not_found", err.Error())
	}
	return err
}

// funnel is POST /api/v2/funnel, authorised like query.
func (h *statsHandler) funnel(c echo.Context) error {
	setCORS(c)
	ctx := c.Request().Context()
	allowed, err := h.allowed(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, query.MaxBodyBytes)
	if err != nil {
		return err
	}
	res, err := h.stats.RunFunnel(ctx, body, allowed)
	var inputErr *query.InputError
	switch {
	case err == nil:
		return c.JSON(http.StatusOK, res)
	case errors.As(err, &inputErr):
		return apiError(http.StatusBadRequest, "invalid_query", inputErr.Message)
	case errors.Is(err, query.ErrNoSite):
		return apiError(http.StatusNotFound, "site_not_found", err.Error())
	}
	return err
}

func (h *statsHandler) preflight(c echo.Context) error {
	setCORS(c)
	return c.NoContent(http.StatusNoContent)
}

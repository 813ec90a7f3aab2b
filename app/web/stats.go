package web

import (
	"errors"
	"net/http"

	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

type statsHandler struct {
	stats Stats
	auth  *authenticator
}

// query is POST /api/v2/query, authorised by an API key or a session.
func (h *statsHandler) query(c echo.Context) error {
	setCORS(c)
	ctx := c.Request().Context()
	user, err := h.auth.user(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, query.MaxBodyBytes)
	if err != nil {
		return err
	}
	allowed := func(s store.Site) bool { return user.Admin || s.OwnerID == user.ID }
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
	user, err := h.auth.user(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, query.MaxBodyBytes)
	if err != nil {
		return err
	}
	allowed := func(s store.Site) bool { return user.Admin || s.OwnerID == user.ID }
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

package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

type statsHandler struct {
	stats Stats
	creds Credentials
}

// query is POST /api/v2/query, authorised by an API key.
func (h *statsHandler) query(c echo.Context) error {
	setCORS(c)
	ctx := c.Request().Context()
	user, err := h.authenticate(ctx, c.Request().Header.Get("Authorization"))
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
	user, err := h.authenticate(ctx, c.Request().Header.Get("Authorization"))
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

var errUnauthorized = apiError(http.StatusUnauthorized, "unauthorized",
	"missing or invalid API key: send Authorization: Bearer <key> (create one with `footfall apikey create`)")

// authenticate resolves a Bearer API key to its user.
func (h *statsHandler) authenticate(ctx context.Context, header string) (store.User, error) {
	key, ok := strings.CutPrefix(header, "Bearer ")
	key = strings.TrimSpace(key)
	if !ok || !auth.LooksLikeAPIKey(key) {
		return store.User{}, errUnauthorized
	}
	k, err := h.creds.APIKeyByHash(ctx, auth.HashAPIKey(key))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, errUnauthorized
	}
	if err != nil {
		return store.User{}, err
	}
	user, err := h.creds.UserByID(ctx, k.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, errUnauthorized
	}
	if err != nil {
		return store.User{}, err
	}
	// Last-used time at minute resolution: enough for people, and it keeps
	// a busy API client from turning every read into a write.
	if now := time.Now(); now.Sub(k.LastUsedAt) > time.Minute {
		if err := h.creds.TouchAPIKey(ctx, k.ID, now); err != nil {
			return store.User{}, err
		}
	}
	return user, nil
}

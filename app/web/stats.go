package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

type statsHandler struct {
	stats   Stats
	creds   Credentials
	limiter store.Limiter // nil: no rate limit
	limit   store.Limit
	logger  *slog.Logger
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
	if err := h.rateLimit(ctx, k); err != nil {
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

// rateLimit counts one call against the key's budget. A limiter that
// fails lets the call through: the API must not go down with it.
func (h *statsHandler) rateLimit(ctx context.Context, k store.APIKey) error {
	if h.limiter == nil {
		return nil
	}
	a, err := h.limiter.Allow(ctx, "apikey:"+strconv.FormatInt(k.ID, 10), h.limit)
	if err != nil {
		h.logger.Warn("rate limiter failed; letting the call through", "err", err)
		return nil
	}
	if a.Allowed {
		return nil
	}
	e := apiError(http.StatusTooManyRequests, "rate_limited", fmt.Sprintf(
		"this API key made more than %d requests in the last %s; try again in %s", h.limit.Rate, h.limit.Period, a.RetryAfter.Round(time.Second)))
	e.RetryAfter = max(int(math.Ceil(a.RetryAfter.Seconds())), 1)
	return e
}

package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type healthHandler struct {
	ready   func(ctx context.Context) error
	version string
}

// live is /healthz: the process is up and serving HTTP.
func (h *healthHandler) live(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": h.version})
}

// readyz is /readyz: the stores answer and migrations are done.
func (h *healthHandler) readyz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if h.ready != nil {
		if err := h.ready(ctx); err != nil {
			return apiError(http.StatusServiceUnavailable, "not_ready", err.Error())
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

type healthHandler struct {
	ready   func(ctx context.Context) error
	version string
	logger  *slog.Logger
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
			// The cause names hosts and drivers: for the log, not the public.
			logger := h.logger
			if logger == nil {
				logger = slog.Default()
			}
			logger.Warn("not ready", "err", err)
			// Ready's errors start with the part that failed ("redis: …").
			part, _, _ := strings.Cut(err.Error(), ":")
			return apiError(http.StatusServiceUnavailable, "not_ready", "not ready: "+part+" does not answer (details in the server log)")
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

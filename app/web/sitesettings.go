package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/app/sites"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// Site settings of the Sites API, served by sitesHandler (sites.go) with
// the same authentication and per-site access: changing a site's domain
// and time zone, and resetting its stats.

// update is PUT /api/v1/sites/:site_id {domain, timezone}: either or
// both. A new domain must be free; the tracker snippet on the pages must
// then name it, as events for the old one are refused from then on.
func (h *sitesHandler) update(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	var req struct {
		Domain   string `json:"domain"`
		TimeZone string `json:"timezone"`
	}
	if err := decodeRequest(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	s, err := h.site(ctx, user, c.Param("site_id"), access.ManageSite)
	if err != nil {
		return err
	}
	if req.Domain == "" && req.TimeZone == "" {
		return apiError(http.StatusBadRequest, "invalid_request", "give domain, timezone or both")
	}
	old := s.Domain
	if req.Domain != "" {
		if s.Domain, err = sites.Domain(req.Domain); err != nil {
			return apiError(http.StatusBadRequest, "invalid_site", err.Error())
		}
	}
	if req.TimeZone != "" {
		if s.TimeZone, err = sites.TimeZone(req.TimeZone); err != nil {
			return apiError(http.StatusBadRequest, "invalid_site", err.Error())
		}
	}
	updated, err := h.db.UpdateSite(ctx, s)
	switch {
	case errors.Is(err, store.ErrConflict):
		return apiError(http.StatusConflict, "site_exists", fmt.Sprintf("a site %s already exists", s.Domain))
	case errors.Is(err, store.ErrNotFound):
		return siteNotFound(c.Param("site_id")) // deleted meanwhile
	case err != nil:
		return err
	}
	if h.changed != nil {
		h.changed(updated, old)
	}
	return c.JSON(http.StatusOK, siteJSON{updated.Domain, updated.TimeZone})
}

// resetEvents is DELETE /api/v1/sites/:site_id/events: every event of the
// site goes (its stats start again from nothing); the site, its goals,
// funnels and shared links stay.
func (h *sitesHandler) resetEvents(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	s, err := h.site(ctx, user, c.Param("site_id"), access.ManageSite)
	if err != nil {
		return err
	}
	if h.events == nil {
		return apiError(http.StatusNotImplemented, "not_supported", "this events store cannot delete events")
	}
	if err := h.events.DeleteSiteEvents(ctx, s.ID); err != nil {
		return fmt.Errorf("reset the events of site %d: %w", s.ID, err)
	}
	if h.changed != nil {
		h.changed(s, s.Domain)
	}
	return c.JSON(http.StatusOK, deletedJSON)
}

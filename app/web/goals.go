package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/app/sites"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// Goals and funnels of the Sites API: /api/v1/sites/goals and
// /api/v1/sites/funnels, served by sitesHandler (sites.go) with the same
// authentication and the same per-site access.

// goalJSON is a goal (or a funnel step) as the API shows and takes it.
// Exactly one of EventName and PagePath is non-null.
type goalJSON struct {
	ID          int64   `json:"id,omitempty"`
	DisplayName string  `json:"display_name"`
	GoalType    string  `json:"goal_type"` // "event" or "page"
	EventName   *string `json:"event_name"`
	PagePath    *string `json:"page_path"`
}

type funnelJSON struct {
	ID    int64      `json:"id"`
	Name  string     `json:"name"`
	Steps []goalJSON `json:"steps"`
}

func toGoalJSON(id int64, g store.Goal) goalJSON {
	j := goalJSON{ID: id, DisplayName: g.Name}
	if g.EventName != "" {
		j.GoalType, j.EventName = "event", &g.EventName
	} else {
		j.GoalType, j.PagePath = "page", &g.Page
	}
	return j
}

func toFunnelJSON(f store.Funnel) funnelJSON {
	j := funnelJSON{ID: f.ID, Name: f.Name, Steps: make([]goalJSON, len(f.Steps))}
	for i, s := range f.Steps {
		j.Steps[i] = toGoalJSON(0, s)
	}
	return j
}

// goalRequest is the body of PUT /api/v1/sites/goals, and a funnel step.
type goalRequest struct {
	SiteID      string `json:"site_id"`
	GoalType    string `json:"goal_type"`
	EventName   string `json:"event_name"`
	PagePath    string `json:"page_path"`
	DisplayName string `json:"display_name"`
}

// goal turns the request into a checked goal.
func (r goalRequest) goal() (store.Goal, error) {
	g := store.Goal{Name: r.DisplayName}
	switch r.GoalType {
	case "event":
		if r.PagePath != "" {
			return store.Goal{}, errors.New("an event goal takes event_name, not page_path")
		}
		g.EventName = r.EventName
		if g.EventName == "" {
			return store.Goal{}, errors.New("an event goal needs event_name")
		}
	case "page":
		if r.EventName != "" {
			return store.Goal{}, errors.New("a page goal takes page_path, not event_name")
		}
		g.Page = r.PagePath
		if g.Page == "" {
			return store.Goal{}, errors.New("a page goal needs page_path")
		}
	case "":
		return store.Goal{}, errors.New(`goal_type is required: "event" or "page"`)
	default:
		return store.Goal{}, fmt.Errorf(`goal_type is %q; it must be "event" or "page"`, r.GoalType)
	}
	return sites.Goal(g)
}

// goals is GET /api/v1/sites/goals?site_id=D, oldest first.
func (h *sitesHandler) goals(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	s, err := h.site(ctx, user, c.QueryParam("site_id"), access.ReadStats)
	if err != nil {
		return err
	}
	goals, err := h.db.ListGoals(ctx, s.ID)
	if err != nil {
		return err
	}
	out := make([]goalJSON, len(goals))
	for i, g := range goals {
		out[i] = toGoalJSON(g.ID, g.Goal)
	}
	return c.JSON(http.StatusOK, map[string]any{"goals": out, "meta": struct{}{}})
}

// putGoal is PUT /api/v1/sites/goals: find or create. A goal with the same
// event or page (and the same display_name, when one is given) is returned
// as it is; a new one is created otherwise; a display_name taken by
// another goal is 409.
func (h *sitesHandler) putGoal(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	var req goalRequest
	if err := decodeRequest(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	s, err := h.site(ctx, user, req.SiteID, access.EditGoals)
	if err != nil {
		return err
	}
	g, err := req.goal()
	if err != nil {
		return apiError(http.StatusBadRequest, "invalid_goal", err.Error())
	}
	same := func(o store.Goal) bool {
		return o.EventName == g.EventName && o.Page == g.Page && (req.DisplayName == "" || o.Name == g.Name)
	}
	// A concurrent identical PUT can win the insert: look again after a
	// conflict before calling it one.
	for range 2 {
		existing, err := h.db.ListGoals(ctx, s.ID)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(existing, func(o store.SiteGoal) bool { return same(o.Goal) }); i >= 0 {
			return c.JSON(http.StatusOK, toGoalJSON(existing[i].ID, existing[i].Goal))
		}
		created, err := h.db.CreateGoal(ctx, store.SiteGoal{SiteID: s.ID, Goal: g})
		if err == nil {
			return c.JSON(http.StatusOK, toGoalJSON(created.ID, created.Goal))
		}
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return apiError(http.StatusConflict, "goal_exists",
		fmt.Sprintf("the site already has a goal named %q for another event or page; choose another display_name", g.Name))
}

// deleteGoal is DELETE /api/v1/sites/goals/:goal_id {site_id}.
func (h *sitesHandler) deleteGoal(c echo.Context) error {
	return h.deleteOf(c, "goal", c.Param("goal_id"), h.db.DeleteGoal)
}

// funnels is GET /api/v1/sites/funnels?site_id=D, oldest first.
func (h *sitesHandler) funnels(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	s, err := h.site(ctx, user, c.QueryParam("site_id"), access.ReadStats)
	if err != nil {
		return err
	}
	funnels, err := h.db.ListFunnels(ctx, s.ID)
	if err != nil {
		return err
	}
	out := make([]funnelJSON, len(funnels))
	for i, f := range funnels {
		out[i] = toFunnelJSON(f)
	}
	return c.JSON(http.StatusOK, map[string]any{"funnels": out, "meta": struct{}{}})
}

// putFunnel is PUT /api/v1/sites/funnels {site_id, name, steps}: find or
// create by name. The same name with the same steps returns the funnel
// stored; with other steps it is 409 (delete the funnel to redefine it).
func (h *sitesHandler) putFunnel(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	var req struct {
		SiteID string        `json:"site_id"`
		Name   string        `json:"name"`
		Steps  []goalRequest `json:"steps"`
	}
	if err := decodeRequest(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	s, err := h.site(ctx, user, req.SiteID, access.EditGoals)
	if err != nil {
		return err
	}
	f := store.Funnel{SiteID: s.ID, Name: req.Name}
	for i, r := range req.Steps {
		g, err := r.goal()
		if err != nil {
			return apiError(http.StatusBadRequest, "invalid_funnel", fmt.Sprintf("step %d: %v", i+1, err))
		}
		f.Steps = append(f.Steps, g)
	}
	if f, err = sites.Funnel(f); err != nil {
		return apiError(http.StatusBadRequest, "invalid_funnel", err.Error())
	}
	for range 2 {
		existing, err := h.db.ListFunnels(ctx, s.ID)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(existing, func(o store.Funnel) bool { return o.Name == f.Name }); i >= 0 {
			if !slices.Equal(existing[i].Steps, f.Steps) {
				return apiError(http.StatusConflict, "funnel_exists",
					fmt.Sprintf("the site already has a funnel named %q with other steps; delete it first or choose another name", f.Name))
			}
			return c.JSON(http.StatusOK, toFunnelJSON(existing[i]))
		}
		created, err := h.db.CreateFunnel(ctx, f)
		if err == nil {
			return c.JSON(http.StatusOK, toFunnelJSON(created))
		}
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return apiError(http.StatusConflict, "funnel_exists", fmt.Sprintf("the site already has a funnel named %q", f.Name))
}

// deleteFunnel is DELETE /api/v1/sites/funnels/:funnel_id {site_id}.
func (h *sitesHandler) deleteFunnel(c echo.Context) error {
	return h.deleteOf(c, "funnel", c.Param("funnel_id"), h.db.DeleteFunnel)
}

// deleteOf deletes the goal or funnel id of the site named by site_id, in
// the body (JSON or form, as Plausible clients send it) or the query.
func (h *sitesHandler) deleteOf(c echo.Context, what, id string, del func(ctx context.Context, siteID, id int64) error) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	var req struct {
		SiteID string `json:"site_id"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeRequest(c, &req); err != nil {
			return err
		}
	}
	if req.SiteID == "" {
		req.SiteID = c.QueryParam("site_id")
	}
	ctx := c.Request().Context()
	s, err := h.site(ctx, user, req.SiteID, access.EditGoals)
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return apiError(http.StatusBadRequest, "invalid_request", fmt.Sprintf("%s id %q is not a number", what, id))
	}
	if err := del(ctx, s.ID, n); errors.Is(err, store.ErrNotFound) {
		return apiError(http.StatusNotFound, what+"_not_found", fmt.Sprintf("site %s has no %s %d", s.Domain, what, n))
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, deletedJSON)
}

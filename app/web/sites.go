package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/sites"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// SiteStore is the part of the app store behind /api/v1/sites; its
// memberships decide who may do what (app/access).
type SiteStore interface {
	access.Memberships

	CreateSite(ctx context.Context, s store.Site) (store.Site, error)
	SiteByDomain(ctx context.Context, domain string) (store.Site, error)
	ListSites(ctx context.Context) ([]store.Site, error)
	DeleteSite(ctx context.Context, id int64) error
	UpdateSite(ctx context.Context, s store.Site) (store.Site, error)

	CreateGoal(ctx context.Context, g store.SiteGoal) (store.SiteGoal, error)
	ListGoals(ctx context.Context, siteID int64) ([]store.SiteGoal, error)
	DeleteGoal(ctx context.Context, siteID, id int64) error
	CreateFunnel(ctx context.Context, f store.Funnel) (store.Funnel, error)
	ListFunnels(ctx context.Context, siteID int64) ([]store.Funnel, error)
	DeleteFunnel(ctx context.Context, siteID, id int64) error
}

// sitesMaxBody bounds a Sites API request body; the largest, a funnel of
// eight steps at their longest, is a few kilobytes.
const sitesMaxBody = 64 << 10

// Site list pages: the default size and the largest a client may ask for.
const (
	sitesDefaultLimit = 100
	sitesMaxLimit     = 1000
)

// sitesHandler serves the Sites API (/api/v1/sites…), shaped like
// Plausible's, plus funnels in the same style. A user reaches the sites of
// the accounts they are a member of, doing what their role allows
// (app/access); staff reach every site. A site of another account answers
// exactly as a missing one does, so nobody learns which domains other
// tenants track. API keys need the sites:admin scope.
type sitesHandler struct {
	db     SiteStore
	events interface {
		DeleteSiteEvents(ctx context.Context, siteID int64) error
	}
	// changed, if not nil, hears of a reset or renamed site (Deps.SiteChanged).
	changed func(site store.Site, oldDomain string)
	access  access.Checker
	// authenticate resolves the request's API key or session to a user,
	// as the stats API does (authenticator.user).
	authenticate func(c echo.Context) (store.User, error)
	// billing holds a hosted account to its plan's number of sites; nil
	// or self-hosted, no limit.
	billing *billing.Service
}

// allowSite refuses one more site than the account's plan holds (hosted
// mode). Account 0 is the user's personal account, where the store puts
// a site created without one.
func (h *sitesHandler) allowSite(ctx context.Context, user store.User, accountID int64) error {
	if h.billing == nil || !h.billing.Enabled() {
		return nil
	}
	if accountID == 0 {
		ms, err := h.db.UserMemberships(ctx, user.ID)
		if err != nil {
			return err
		}
		for _, m := range ms { // by account id, as the store picks it
			if m.Role == store.RoleOwner {
				accountID = m.AccountID
				break
			}
		}
	}
	return h.billing.AllowSite(ctx, accountID)
}

// siteJSON is a site as the API shows it.
type siteJSON struct {
	Domain   string `json:"domain"`
	TimeZone string `json:"timezone"`
}

// deletedJSON is every DELETE's answer.
var deletedJSON = map[string]bool{"deleted": true}

// user authenticates the request's API key (with scope sites:admin) or
// session.
func (h *sitesHandler) user(c echo.Context) (store.User, error) {
	u, err := h.authenticate(c)
	if err != nil {
		return store.User{}, err
	}
	return u, requireScope(c, store.ScopeSitesAdmin)
}

func siteNotFound(domain string) *Error {
	return apiError(http.StatusNotFound, "site_not_found",
		fmt.Sprintf("no site %q that this API key may manage", domain))
}

// site looks up the site named by domain (site_id in the API) on which
// user may do act. A site of an account the user is no member of answers
// as a missing one; a role too low for act is a 403.
func (h *sitesHandler) site(ctx context.Context, user store.User, domain string, act access.Action) (store.Site, error) {
	if domain == "" {
		return store.Site{}, apiError(http.StatusBadRequest, "invalid_request", "site_id (the site's domain) is required")
	}
	d, err := sites.Domain(domain)
	if err != nil {
		return store.Site{}, siteNotFound(domain)
	}
	s, err := h.db.SiteByDomain(ctx, d)
	if errors.Is(err, store.ErrNotFound) {
		return store.Site{}, siteNotFound(domain)
	}
	if err != nil {
		return store.Site{}, err
	}
	if err := accessError(h.access.Site(ctx, user, s, act), siteNotFound(domain)); err != nil {
		return store.Site{}, err
	}
	return s, nil
}

// list is GET /api/v1/sites: the sites the user may see, by creation,
// limit per page (default 100, at most 1000); meta.after, when not null,
// is the cursor of the next page (?after=…).
func (h *sitesHandler) list(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	limit := sitesDefaultLimit
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > sitesMaxLimit {
			return apiError(http.StatusBadRequest, "invalid_request", fmt.Sprintf("limit must be a number from 1 to %d", sitesMaxLimit))
		}
	}
	var after int64
	if v := c.QueryParam("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return apiError(http.StatusBadRequest, "invalid_request", "after must be the cursor a previous page returned in meta.after")
		}
	}
	all, err := h.db.ListSites(c.Request().Context())
	if err != nil {
		return err
	}
	roles, err := h.access.Roles(c.Request().Context(), user)
	if err != nil {
		return err
	}
	out := []siteJSON{}
	var (
		next *string // the last ID shown, when more follow
		last int64
	)
	for _, s := range all { // by ID ascending
		if s.ID <= after || !roles.Site(s, access.ReadStats) {
			continue
		}
		if len(out) == limit {
			cursor := strconv.FormatInt(last, 10)
			next = &cursor
			break
		}
		out = append(out, siteJSON{s.Domain, s.TimeZone})
		last = s.ID
	}
	type meta struct {
		After *string `json:"after"`
		Limit int     `json:"limit"`
	}
	return c.JSON(http.StatusOK, struct {
		Sites []siteJSON `json:"sites"`
		Meta  meta       `json:"meta"`
	}{out, meta{next, limit}})
}

// create is POST /api/v1/sites {domain, timezone, account_id}: a new site
// in the account (one where the user is admin or owner); without
// account_id, in the user's own (personal) account.
func (h *sitesHandler) create(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	var req struct {
		Domain    string `json:"domain"`
		TimeZone  string `json:"timezone"`
		AccountID string `json:"account_id"` // a string, as form fields are
	}
	if err := decodeRequest(c, &req); err != nil {
		return err
	}
	var accountID int64
	if req.AccountID != "" {
		notFound := apiError(http.StatusNotFound, "account_not_found", "you are a member of no account with that id")
		if accountID, err = strconv.ParseInt(req.AccountID, 10, 64); err != nil || accountID <= 0 {
			return notFound
		}
		if err := accessError(h.access.Account(c.Request().Context(), user, accountID, access.ManageSite), notFound); err != nil {
			return err
		}
	}
	domain, err := sites.Domain(req.Domain)
	if err != nil {
		return apiError(http.StatusBadRequest, "invalid_site", err.Error())
	}
	tz, err := sites.TimeZone(req.TimeZone)
	if err != nil {
		return apiError(http.StatusBadRequest, "invalid_site", err.Error())
	}
	if err := h.allowSite(c.Request().Context(), user, accountID); err != nil {
		return err
	}
	s, err := h.db.CreateSite(c.Request().Context(), store.Site{Domain: domain, TimeZone: tz, OwnerID: user.ID, AccountID: accountID})
	if errors.Is(err, store.ErrConflict) {
		return apiError(http.StatusConflict, "site_exists", fmt.Sprintf("a site %s already exists", domain))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, siteJSON{s.Domain, s.TimeZone})
}

// get is GET /api/v1/sites/:site_id.
func (h *sitesHandler) get(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	s, err := h.site(c.Request().Context(), user, c.Param("site_id"), access.ReadStats)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, siteJSON{s.Domain, s.TimeZone})
}

// delete is DELETE /api/v1/sites/:site_id: the site, its goals and
// funnels. Its events stay until retention removes them, and new ones are
// refused.
func (h *sitesHandler) delete(c echo.Context) error {
	user, err := h.user(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	s, err := h.site(ctx, user, c.Param("site_id"), access.ManageSite)
	if err != nil {
		return err
	}
	// Events go first: if that fails the site stays, and deleting it
	// again retries; the other way round its events would be left behind
	// with no site to delete them through.
	if h.events != nil {
		if err := h.events.DeleteSiteEvents(ctx, s.ID); err != nil {
			return fmt.Errorf("delete the events of site %d: %w", s.ID, err)
		}
	}
	if err := h.db.DeleteSite(ctx, s.ID); errors.Is(err, store.ErrNotFound) {
		return siteNotFound(c.Param("site_id")) // deleted meanwhile
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, deletedJSON)
}

// decodeRequest reads a JSON object into v, or form fields (URL-encoded
// or multipart, as `curl -d a=b` and `curl -F a=b` send them) into
// v's string fields of the same JSON names.
func decodeRequest(c echo.Context, v any) error {
	body, err := readBody(c, sitesMaxBody)
	if err != nil {
		return err
	}
	ct, params, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	var form url.Values
	switch {
	case ct == echo.MIMEApplicationForm && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")):
		// `curl -d '{…}'` labels JSON as a form; no form of ours starts
		// with a brace.
	case ct == echo.MIMEApplicationForm:
		if form, err = url.ParseQuery(string(body)); err != nil {
			return apiError(http.StatusBadRequest, "invalid_request", "the form body is malformed")
		}
	case ct == echo.MIMEMultipartForm:
		mf, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(sitesMaxBody)
		if err != nil {
			return apiError(http.StatusBadRequest, "invalid_request", "the multipart form body is malformed")
		}
		defer mf.RemoveAll()
		form = mf.Value
	}
	if form != nil {
		fields := make(map[string]string, len(form))
		for k, vs := range form {
			fields[k] = vs[0]
		}
		// Form values are strings, as are the fields they fill.
		body, _ = json.Marshal(fields)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apiError(http.StatusBadRequest, "invalid_request", "the body must be a JSON object (or form fields) with the documented fields: "+jsonProblem(err))
	}
	return nil
}

// jsonProblem says briefly what was wrong with a JSON body.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("%s should be a %s", typeErr.Field, typeErr.Type)
	}
	return err.Error()
}

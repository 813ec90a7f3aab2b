package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/footfallhq/footfall/app/access"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// Shared dashboards: a site's owner makes secret links
// (/api/v1/sites/:site_id/shared-links); whoever has one sees that site's
// dashboard read-only at /share/<slug>, after its password if it has one.
// The share's own API (/api/share/<slug>/…) answers stats queries for
// that one site and nothing else: the link is the only credential, so it
// must never reach another site's numbers.

// SharedLinkStore is the part of the app store behind shared links.
type SharedLinkStore interface {
	store.SharedLinks
	SiteByID(ctx context.Context, id int64) (store.Site, error)
	ListFunnels(ctx context.Context, siteID int64) ([]store.Funnel, error)
	ListGoals(ctx context.Context, siteID int64) ([]store.SiteGoal, error)
}

const (
	shareCookie    = "footfall_share"
	shareCookieAge = 30 * 24 * time.Hour
	slugBytes      = 18 // 24 characters of base64url: not guessable
	shareNameMax   = 100
)

var shareLimit = store.PerMinute(5) // password attempts per address and per link

type sharedLinksHandler struct {
	db      SharedLinkStore
	sites   *sitesHandler // authorises the management API
	stats   Stats
	secret  string
	baseURL string
	limiter store.Limiter
	ui      *uiHandler
	staff   *staff.Service // hides deleted accounts' links; nil = none
}

func sharedLinkRoutes(e *echo.Echo, d Deps, si *sitesHandler, ui *uiHandler) {
	if d.SharedLinks == nil {
		return
	}
	h := &sharedLinksHandler{db: d.SharedLinks, sites: si, stats: d.Stats, secret: d.SecretKey, baseURL: d.BaseURL, limiter: d.Limiter, ui: ui, staff: d.Staff}
	e.GET("/api/v1/sites/:site_id/shared-links", h.list)
	e.POST("/api/v1/sites/:site_id/shared-links", h.create)
	e.DELETE("/api/v1/sites/:site_id/shared-links/:link_id", h.delete)

	e.GET("/api/share/:slug", h.info)
	e.POST("/api/share/:slug/auth", h.auth)
	e.POST("/api/share/:slug/query", h.query)
	e.POST("/api/share/:slug/funnel", h.funnel)
	e.GET("/share/:slug", h.page)
}

// sharedLinkJSON is a link as the management API shows it.
type sharedLinkJSON struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	Slug              string    `json:"slug"`
	URL               string    `json:"url"`
	PasswordProtected bool      `json:"password_protected"`
	CreatedAt         time.Time `json:"created_at"`
}

func (h *sharedLinksHandler) toJSON(l store.SharedLink) sharedLinkJSON {
	return sharedLinkJSON{l.ID, l.Name, l.Slug, h.baseURL + "/share/" + l.Slug, l.PasswordHash != "", l.CreatedAt}
}

// site authorises a management request: the user's role on the site
// allows shared links (editor and up, app/access).
func (h *sharedLinksHandler) site(c echo.Context) (store.Site, error) {
	user, err := h.sites.user(c)
	if err != nil {
		return store.Site{}, err
	}
	return h.sites.site(c.Request().Context(), user, c.Param("site_id"), access.EditGoals)
}

// list is GET /api/v1/sites/:site_id/shared-links, oldest first.
func (h *sharedLinksHandler) list(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	links, err := h.db.ListSharedLinks(c.Request().Context(), s.ID)
	if err != nil {
		return err
	}
	out := make([]sharedLinkJSON, 0, len(links))
	for _, l := range links {
		out = append(out, h.toJSON(l))
	}
	return c.JSON(http.StatusOK, map[string]any{"shared_links": out})
}

// create is POST /api/v1/sites/:site_id/shared-links {name, password}: a
// new link with a random slug; password is optional.
func (h *sharedLinksHandler) create(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	var req struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decodeRequest(c, &req); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > shareNameMax {
		return apiError(http.StatusBadRequest, "invalid_request", fmt.Sprintf("name is required, at most %d characters", shareNameMax))
	}
	l := store.SharedLink{SiteID: s.ID, Name: req.Name, Slug: newSlug()}
	if req.Password != "" {
		if l.PasswordHash, err = auth.HashPassword(req.Password); err != nil {
			return apiError(http.StatusBadRequest, "invalid_password", err.Error())
		}
	}
	l, err = h.db.CreateSharedLink(c.Request().Context(), l)
	if errors.Is(err, store.ErrConflict) {
		return apiError(http.StatusConflict, "shared_link_exists", fmt.Sprintf("the site already has a shared link named %q", req.Name))
	}
	if errors.Is(err, store.ErrNotFound) {
		return siteNotFound(c.Param("site_id")) // deleted meanwhile
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toJSON(l))
}

// delete is DELETE /api/v1/sites/:site_id/shared-links/:link_id; the link
// stops working at once.
func (h *sharedLinksHandler) delete(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("link_id"), 10, 64)
	if err != nil || id <= 0 {
		return apiError(http.StatusBadRequest, "invalid_request", "the link id must be a positive number")
	}
	err = h.db.DeleteSharedLink(c.Request().Context(), s.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return apiError(http.StatusNotFound, "shared_link_not_found", "the site has no shared link with that id")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, deletedJSON)
}

func newSlug() string {
	b := make([]byte, slugBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errShareNotFound = apiError(http.StatusNotFound, "share_not_found", "this shared link does not exist or was revoked")

// link resolves the :slug of a public request. Anything that is not the
// shape of a slug is not looked up.
func (h *sharedLinksHandler) link(c echo.Context) (store.SharedLink, store.Site, error) {
	slug := c.Param("slug")
	if len(slug) != base64.RawURLEncoding.EncodedLen(slugBytes) || strings.Trim(slug, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return store.SharedLink{}, store.Site{}, errShareNotFound
	}
	ctx := c.Request().Context()
	l, err := h.db.SharedLinkBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return store.SharedLink{}, store.Site{}, errShareNotFound
	}
	if err != nil {
		return store.SharedLink{}, store.Site{}, err
	}
	s, err := h.db.SiteByID(ctx, l.SiteID)
	if errors.Is(err, store.ErrNotFound) {
		return store.SharedLink{}, store.Site{}, errShareNotFound
	}
	if h.staff != nil && err == nil {
		// A deleted account's dashboards are gone at once, before the
		// hard delete removes their rows.
		if refused, deleted := h.staff.Refused(ctx, s.ID); refused && deleted {
			return store.SharedLink{}, store.Site{}, errShareNotFound
		}
	}
	return l, s, err
}

// mac signs a share cookie: it names the link, its password (by hash, so
// a link given a new password would void old cookies) and the expiry.
func (h *sharedLinksHandler) mac(l store.SharedLink, exp int64) string {
	m := hmac.New(sha256.New, []byte(h.secret))
	fmt.Fprintf(m, "share\x00%d\x00%s\x00%s\x00%d", l.ID, l.Slug, l.PasswordHash, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// unlocked reports whether the request may read the link's site: the
// link has no password, or the request carries the cookie its password
// earned.
func (h *sharedLinksHandler) unlocked(c echo.Context, l store.SharedLink) bool {
	if l.PasswordHash == "" {
		return true
	}
	ck, err := c.Cookie(shareCookie)
	if err != nil {
		return false
	}
	expText, sig, ok := strings.Cut(ck.Value, ".")
	exp, err := strconv.ParseInt(expText, 10, 64)
	if !ok || err != nil || time.Now().Unix() >= exp {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(h.mac(l, exp)))
}

func (h *sharedLinksHandler) secure(c echo.Context) bool {
	return c.Request().TLS != nil || strings.HasPrefix(strings.ToLower(h.baseURL), "https://")
}

// shareInfoJSON is what the shared page learns about its link. Until the
// password is given it learns only that one is needed, not even the site.
type shareInfoJSON struct {
	Name             string       `json:"name"`
	PasswordRequired bool         `json:"password_required"`
	Unlocked         bool         `json:"unlocked"`
	Site             *siteJSON    `json:"site,omitempty"`
	Funnels          []funnelJSON `json:"funnels,omitempty"`
	Goals            []goalJSON   `json:"goals,omitempty"`
}

func (h *sharedLinksHandler) infoFor(ctx context.Context, l store.SharedLink, s store.Site, unlocked bool) (shareInfoJSON, error) {
	info := shareInfoJSON{Name: l.Name, PasswordRequired: l.PasswordHash != "", Unlocked: unlocked}
	if !unlocked {
		return info, nil
	}
	info.Site = &siteJSON{s.Domain, s.TimeZone}
	funnels, err := h.db.ListFunnels(ctx, s.ID)
	if err != nil {
		return info, err
	}
	info.Funnels = []funnelJSON{}
	for _, f := range funnels {
		info.Funnels = append(info.Funnels, funnelJSON{ID: f.ID, Name: f.Name, Steps: []goalJSON{}})
	}
	goals, err := h.db.ListGoals(ctx, s.ID)
	if err != nil {
		return info, err
	}
	info.Goals = []goalJSON{}
	for _, g := range goals {
		info.Goals = append(info.Goals, toGoalJSON(g.ID, g.Goal))
	}
	return info, nil
}

// info is GET /api/share/:slug.
func (h *sharedLinksHandler) info(c echo.Context) error {
	l, s, err := h.link(c)
	if err != nil {
		return err
	}
	info, err := h.infoFor(c.Request().Context(), l, s, h.unlocked(c, l))
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, info)
}

// auth is POST /api/share/:slug/auth {password}: the right password earns
// a cookie for this link's API only (its path), valid 30 days.
func (h *sharedLinksHandler) auth(c echo.Context) error {
	l, s, err := h.link(c)
	if err != nil {
		return err
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if l.PasswordHash != "" {
		if err := h.limit(c, l); err != nil {
			return err
		}
		ok, err := auth.CheckPassword(l.PasswordHash, req.Password)
		if err != nil || !ok {
			return apiError(http.StatusUnauthorized, "wrong_password", "that is not the password of this shared link")
		}
		exp := time.Now().Add(shareCookieAge).Unix()
		// SameSite=None lets a password-protected dashboard work inside an
		// iframe on another site; browsers take it only with Secure, so
		// over plain HTTP the cookie is Lax (and embeds need no password).
		same := http.SameSiteLaxMode
		if h.secure(c) {
			same = http.SameSiteNoneMode
		}
		c.SetCookie(&http.Cookie{
			Name: shareCookie, Value: strconv.FormatInt(exp, 10) + "." + h.mac(l, exp),
			Path: "/api/share/" + l.Slug, MaxAge: int(shareCookieAge.Seconds()),
			HttpOnly: true, Secure: h.secure(c), SameSite: same,
		})
	}
	info, err := h.infoFor(c.Request().Context(), l, s, true)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, info)
}

// limit counts a password attempt against the address and the link. A
// failing limiter lets the attempt through, as for sign-in.
func (h *sharedLinksHandler) limit(c echo.Context, l store.SharedLink) error {
	if h.limiter == nil {
		return nil
	}
	var retry time.Duration
	for _, k := range []string{"share:ip:" + c.RealIP(), "share:link:" + strconv.FormatInt(l.ID, 10)} {
		a, err := h.limiter.Allow(c.Request().Context(), k, shareLimit)
		if err == nil && !a.Allowed {
			retry = max(retry, a.RetryAfter)
		}
	}
	if retry > 0 {
		return rateLimited(fmt.Sprintf("more than %d password attempts a minute", shareLimit.Rate), retry)
	}
	return nil
}

// reader authorises a stats request of the share: the link is unlocked,
// and the query may name only the link's own site.
func (h *sharedLinksHandler) reader(c echo.Context) (func(store.Site) bool, []byte, error) {
	l, _, err := h.link(c)
	if err != nil {
		return nil, nil, err
	}
	if !h.unlocked(c, l) {
		return nil, nil, apiError(http.StatusUnauthorized, "password_required", "this shared link needs its password first")
	}
	body, err := readBody(c, query.MaxBodyBytes)
	if err != nil {
		return nil, nil, err
	}
	return func(s store.Site) bool { return s.ID == l.SiteID }, body, nil
}

// query is POST /api/share/:slug/query: POST /api/v2/query limited to the
// link's site.
func (h *sharedLinksHandler) query(c echo.Context) error {
	allowed, body, err := h.reader(c)
	if err != nil {
		return err
	}
	res, err := h.stats.Run(c.Request().Context(), body, allowed)
	if err != nil {
		return statsError(err)
	}
	return c.JSON(http.StatusOK, res)
}

// funnel is POST /api/share/:slug/funnel, like query.
func (h *sharedLinksHandler) funnel(c echo.Context) error {
	allowed, body, err := h.reader(c)
	if err != nil {
		return err
	}
	res, err := h.stats.RunFunnel(c.Request().Context(), body, allowed)
	if err != nil {
		return statsError(err)
	}
	return c.JSON(http.StatusOK, res)
}

// statsError maps a stats error as the stats API does.
func statsError(err error) error {
	var inputErr *query.InputError
	switch {
	case errors.As(err, &inputErr):
		return apiError(http.StatusBadRequest, "invalid_query", inputErr.Message)
	case errors.Is(err, query.ErrNoSite):
		return apiError(http.StatusNotFound, "site_not_found", err.Error())
	}
	return err
}

// Page policies of shared dashboards. The slug is the secret, so it must
// not leak through the Referer of links the page shows, nor be indexed.
// Only ?embed=true may be framed, by any site: the link's holder decides
// where to embed it.
var (
	hdrNoReferrer = []string{"no-referrer"}
	hdrNoIndex    = []string{"noindex, nofollow"}
	hdrEmbedCSP   = []string{"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors *; base-uri 'self'; form-action 'self'"}
)

// page is GET /share/:slug: the dashboard's shell, which then loads the
// share through its API. An unknown slug still gets the page (which says
// the link is gone), so the answer does not tell slugs apart faster.
func (h *sharedLinksHandler) page(c echo.Context) error {
	hd := c.Response().Header()
	hd["Referrer-Policy"] = hdrNoReferrer
	hd["X-Robots-Tag"] = hdrNoIndex
	if c.QueryParam("embed") == "true" {
		hd["Content-Security-Policy"] = hdrEmbedCSP
		hd.Del("X-Frame-Options")
		hd.Del("Cross-Origin-Opener-Policy")
	}
	return h.ui.servePage(c)
}

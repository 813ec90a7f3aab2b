package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/store"
)

// staffHandler serves the staff admin panel's API (/api/admin/…) and the
// owner's side of account deletion (/api/accounts/:account_id/deletion).
type staffHandler struct {
	svc    *staff.Service
	auth   *authenticator
	access access.Checker
}

func staffRoutes(e *echo.Echo, d Deps, au *authenticator) {
	if d.Staff == nil {
		return
	}
	h := &staffHandler{svc: d.Staff, auth: au, access: siteAccess(d)}
	e.GET("/api/admin/accounts", h.search)
	e.GET("/api/admin/accounts/:account_id", h.account)
	e.POST("/api/admin/accounts/:account_id/block", h.block)
	e.POST("/api/admin/accounts/:account_id/unblock", h.unblock)
	e.POST("/api/admin/accounts/:account_id/approve-deletion", h.approveDeletion)
	e.GET("/api/admin/deletion-requests", h.deletionRequests)
	e.GET("/api/admin/announcements", h.announcements)
	e.POST("/api/admin/announcements", h.announce)
	e.POST("/api/admin/announcements/preview", h.previewAnnouncement)
	e.GET("/api/admin/audit", h.audit)

	e.GET("/api/accounts/:account_id/deletion", h.deletion)
	e.POST("/api/accounts/:account_id/deletion", h.requestDeletion)
	e.DELETE("/api/accounts/:account_id/deletion", h.cancelDeletion)
}

// userKey is where authenticator.user leaves the user it resolved, so a
// middleware and the handler after it authenticate a request once.
const userKey = "footfall.user"

var errStaff2FA = apiError(http.StatusForbidden, "staff_2fa_required",
	"staff must turn on two-factor sign-in before using the admin panel (account settings, or POST /api/auth/totp/setup)")

// staffTwoFactor guards every /api/admin/ route: a staff user (users.admin)
// without two-factor sign-in turned on gets 403 staff_2fa_required,
// whether they come by session or API key. Everyone else goes on to the
// route, which answers them as it does (404 to non-staff).
func staffTwoFactor(au *authenticator) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !strings.HasPrefix(c.Request().URL.Path, "/api/admin/") || au.accounts == nil {
				return next(c)
			}
			u, err := au.user(c)
			if err != nil || !u.Admin {
				return next(c)
			}
			t, err := au.accounts.TOTP(c.Request().Context(), u.ID)
			if err != nil {
				return err
			}
			if !t.Enabled {
				return errStaff2FA
			}
			return next(c)
		}
	}
}

var errNoRoute = apiError(http.StatusNotFound, "not_found", "no such route")

// staff authenticates a staff user; to anyone else the route does not
// exist.
func (h *staffHandler) staff(c echo.Context) (staff.Actor, error) {
	u, err := h.auth.user(c)
	if err != nil {
		return staff.Actor{}, err
	}
	if !u.Admin {
		return staff.Actor{}, errNoRoute
	}
	return staff.Actor{ID: u.ID, Email: u.Email}, nil
}

// staffAccount is staff plus the :account_id, which must exist.
func (h *staffHandler) staffAccount(c echo.Context) (staff.Actor, int64, error) {
	notFound := apiError(http.StatusNotFound, "account_not_found", "no account with id "+strconv.Quote(c.Param("account_id")))
	who, err := h.staff(c)
	if errors.Is(err, errNoRoute) {
		return staff.Actor{}, 0, notFound
	}
	if err != nil {
		return staff.Actor{}, 0, err
	}
	id, err := strconv.ParseInt(c.Param("account_id"), 10, 64)
	if err != nil || id <= 0 {
		return staff.Actor{}, 0, notFound
	}
	return who, id, nil
}

func staffError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apiError(http.StatusNotFound, "account_not_found", "no such account")
	case errors.Is(err, staff.ErrNoMailer):
		return apiError(http.StatusServiceUnavailable, "mail_unavailable", "this server sends no mail")
	case errors.Is(err, staff.ErrEmptySegment):
		return apiError(http.StatusUnprocessableEntity, "empty_segment", "nobody is in this segment: nothing was sent")
	}
	return err
}

// search is GET /api/admin/accounts?q=…&limit=…: accounts whose name, a
// member's email or a site's domain contains q, with plan and usage.
func (h *staffHandler) search(c echo.Context) error {
	if _, err := h.staff(c); err != nil {
		return err
	}
	q := c.QueryParam("q")
	if utf8.RuneCountInString(q) > 200 {
		return apiError(http.StatusBadRequest, "invalid_query", "q is at most 200 characters")
	}
	limit, err := intParam(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	rows, err := h.svc.Search(c.Request().Context(), q, limit)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"accounts": rows})
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(c echo.Context, name string, def, lo, hi int64) (int, error) {
	s := c.QueryParam(name)
	if s == "" {
		return int(def), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, apiError(http.StatusBadRequest, "invalid_"+name, name+" must be a whole number from "+strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10))
	}
	return int(n), nil
}

type staffMemberJSON struct {
	UserID int64      `json:"user_id"`
	Email  string     `json:"email"`
	Role   store.Role `json:"role"`
}

type staffSiteJSON struct {
	ID     int64  `json:"id"`
	Domain string `json:"domain"`
}

type deletionJSON struct {
	ID          int64     `json:"id"`
	AccountID   int64     `json:"account_id"`
	AccountName string    `json:"account_name"`
	RequestedBy int64     `json:"requested_by"`
	Reason      string    `json:"reason"`
	RequestedAt time.Time `json:"requested_at"`
	Status      string    `json:"status"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
}

func deletionOut(r store.DeletionRequest) deletionJSON {
	return deletionJSON{ID: r.ID, AccountID: r.AccountID, AccountName: r.AccountName, RequestedBy: r.RequestedBy,
		Reason: r.Reason, RequestedAt: r.RequestedAt, Status: r.Status, DecidedAt: r.DecidedAt}
}

type auditJSON struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	AccountID  int64     `json:"account_id,omitempty"`
	Target     string    `json:"target,omitempty"`
	Detail     rawJSON   `json:"detail"`
}

// rawJSON is stored JSON passed through as it is.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if r == "" {
		return []byte("{}"), nil
	}
	return []byte(r), nil
}

func auditOut(list []store.AuditEntry) []auditJSON {
	out := make([]auditJSON, len(list))
	for i, e := range list {
		out[i] = auditJSON{ID: e.ID, At: e.At, ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
			AccountID: e.AccountID, Target: e.Target, Detail: rawJSON(e.Detail)}
	}
	return out
}

// account is GET /api/admin/accounts/:account_id: the account with its
// usage, state, members, sites, pending deletion request, billing and
// latest audit entries.
func (h *staffHandler) account(c echo.Context) error {
	_, id, err := h.staffAccount(c)
	if err != nil {
		return err
	}
	return h.detail(c, id)
}

func (h *staffHandler) detail(c echo.Context, id int64) error {
	d, err := h.svc.Account(c.Request().Context(), id)
	if err != nil {
		return staffError(err)
	}
	members := make([]staffMemberJSON, len(d.Members))
	for i, m := range d.Members {
		members[i] = staffMemberJSON{UserID: m.UserID, Email: m.Email, Role: m.Role}
	}
	sites := make([]staffSiteJSON, len(d.Sites))
	for i, s := range d.Sites {
		sites[i] = staffSiteJSON{ID: s.ID, Domain: s.Domain}
	}
	var del *deletionJSON
	if d.Deletion != nil {
		v := deletionOut(*d.Deletion)
		del = &v
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"account": d.Account, "members": members, "sites": sites,
		"deletion_request": del, "billing": d.Billing, "audit": auditOut(d.Audit)})
}

// block is POST /api/admin/accounts/:account_id/block {"reason": "…"}.
func (h *staffHandler) block(c echo.Context) error {
	who, id, err := h.staffAccount(c)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" || utf8.RuneCountInString(req.Reason) > 500 {
		return apiError(http.StatusBadRequest, "invalid_reason", "give the reason for the block (at most 500 characters): it is kept in the audit log")
	}
	if err := h.svc.Block(c.Request().Context(), who, id, req.Reason); err != nil {
		return staffError(err)
	}
	return h.detail(c, id)
}

// unblock is POST /api/admin/accounts/:account_id/unblock.
func (h *staffHandler) unblock(c echo.Context) error {
	who, id, err := h.staffAccount(c)
	if err != nil {
		return err
	}
	if err := h.svc.Unblock(c.Request().Context(), who, id); err != nil {
		return staffError(err)
	}
	return h.detail(c, id)
}

// approveDeletion is POST /api/admin/accounts/:account_id/approve-deletion:
// the account's pending deletion request is approved, the account
// soft-deleted at once and destroyed 72 hours later.
func (h *staffHandler) approveDeletion(c echo.Context) error {
	who, id, err := h.staffAccount(c)
	if err != nil {
		return err
	}
	if _, err := h.svc.ApproveDeletion(c.Request().Context(), who, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return apiError(http.StatusConflict, "no_deletion_request", "this account has no pending deletion request: its owner asks for deletion first")
		}
		return err
	}
	return h.detail(c, id)
}

// deletionRequests is GET /api/admin/deletion-requests?status=pending
// (pending, approved, cancelled or all).
func (h *staffHandler) deletionRequests(c echo.Context) error {
	if _, err := h.staff(c); err != nil {
		return err
	}
	status := c.QueryParam("status")
	switch status {
	case "":
		status = store.DeletionPending
	case "all":
		status = ""
	case store.DeletionPending, store.DeletionApproved, store.DeletionCancelled:
	default:
		return apiError(http.StatusBadRequest, "invalid_status", "status is pending, approved, cancelled or all")
	}
	list, err := h.svc.DeletionRequests(c.Request().Context(), status)
	if err != nil {
		return err
	}
	out := make([]deletionJSON, len(list))
	for i, r := range list {
		out[i] = deletionOut(r)
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"requests": out})
}

type announcementRequest struct {
	Subject string        `json:"subject"`
	Body    string        `json:"body"`
	Segment staff.Segment `json:"segment"`
}

func (r *announcementRequest) check(full bool) error {
	if err := r.Segment.Validate(); err != nil {
		return apiError(http.StatusBadRequest, "invalid_segment", err.Error())
	}
	if !full {
		return nil
	}
	r.Subject = strings.TrimSpace(r.Subject)
	if r.Subject == "" || len(r.Subject) > 200 || strings.ContainsAny(r.Subject, "\r\n") {
		return apiError(http.StatusBadRequest, "invalid_subject", "give a one-line subject of at most 200 bytes")
	}
	if len(staff.Paragraphs(r.Body)) == 0 || len(r.Body) > 50_000 {
		return apiError(http.StatusBadRequest, "invalid_body", "give a body of plain text (at most 50,000 bytes; blank lines separate paragraphs)")
	}
	return nil
}

// previewAnnouncement is POST /api/admin/announcements/preview
// {"segment": {…}}: how many would receive it, and a few of them.
func (h *staffHandler) previewAnnouncement(c echo.Context) error {
	if _, err := h.staff(c); err != nil {
		return err
	}
	var req announcementRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := req.check(false); err != nil {
		return err
	}
	p, err := h.svc.PreviewAnnouncement(c.Request().Context(), req.Segment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

type announcementJSON struct {
	ID         int64     `json:"id"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	Segment    rawJSON   `json:"segment"`
	Recipients int       `json:"recipients"`
	SentBy     int64     `json:"sent_by"`
	CreatedAt  time.Time `json:"created_at"`
}

func announcementOut(a store.Announcement) announcementJSON {
	return announcementJSON{ID: a.ID, Subject: a.Subject, Body: a.Body, Segment: rawJSON(a.Segment), Recipients: a.Recipients,
		SentBy: a.SentBy, CreatedAt: a.CreatedAt}
}

// announce is POST /api/admin/announcements {"subject", "body",
// "segment": {"audience": "all|admins|owners", "plan", "capacity"}}: one
// email per recipient through the outbox.
func (h *staffHandler) announce(c echo.Context) error {
	who, err := h.staff(c)
	if err != nil {
		return err
	}
	var req announcementRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := req.check(true); err != nil {
		return err
	}
	a, err := h.svc.Announce(c.Request().Context(), who, req.Subject, req.Body, req.Segment)
	if err != nil {
		return staffError(err)
	}
	return c.JSON(http.StatusCreated, map[string]any{"announcement": announcementOut(a)})
}

// announcements is GET /api/admin/announcements: the 50 newest.
func (h *staffHandler) announcements(c echo.Context) error {
	if _, err := h.staff(c); err != nil {
		return err
	}
	list, err := h.svc.Announcements(c.Request().Context(), 50)
	if err != nil {
		return err
	}
	out := make([]announcementJSON, len(list))
	for i, a := range list {
		out[i] = announcementOut(a)
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"announcements": out})
}

// audit is GET /api/admin/audit?before=ID&limit=N&account_id=A: audit
// entries newest first; next_before pages on (null at the end).
func (h *staffHandler) audit(c echo.Context) error {
	if _, err := h.staff(c); err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	before, err := intParam(c, "before", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	account, err := intParam(c, "account_id", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	list, err := h.svc.AuditLog(c.Request().Context(), store.AuditQuery{Before: int64(before), Limit: limit + 1, AccountID: int64(account)})
	if err != nil {
		return err
	}
	var next *int64
	if len(list) > limit {
		list = list[:limit]
		id := list[limit-1].ID
		next = &id
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"entries": auditOut(list), "next_before": next})
}

// owner authenticates the caller as someone who may delete the account
// (its owner, or staff); to non-members the account does not exist.
func (h *staffHandler) owner(c echo.Context) (store.User, int64, error) {
	u, err := h.auth.user(c)
	if err != nil {
		return store.User{}, 0, err
	}
	notFound := apiError(http.StatusNotFound, "account_not_found", "no account with id "+strconv.Quote(c.Param("account_id"))+" that you belong to")
	id, err := strconv.ParseInt(c.Param("account_id"), 10, 64)
	if err != nil || id <= 0 {
		return store.User{}, 0, notFound
	}
	if err := accessError(h.access.Account(c.Request().Context(), u, id, access.DeleteAccount), notFound); err != nil {
		return store.User{}, 0, err
	}
	return u, id, nil
}

// deletion is GET /api/accounts/:account_id/deletion: the pending
// deletion request, or null.
func (h *staffHandler) deletion(c echo.Context) error {
	_, id, err := h.owner(c)
	if err != nil {
		return err
	}
	r, err := h.svc.PendingDeletion(c.Request().Context(), id)
	if err != nil {
		return err
	}
	var out *deletionJSON
	if r != nil {
		v := deletionOut(*r)
		out = &v
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"deletion_request": out})
}

// requestDeletion is POST /api/accounts/:account_id/deletion {"confirm":
// "<account name>", "reason": "…"}: the owner asks staff to delete the
// account and all its data.
func (h *staffHandler) requestDeletion(c echo.Context) error {
	u, id, err := h.owner(c)
	if err != nil {
		return err
	}
	var req struct {
		Confirm string `json:"confirm"`
		Reason  string `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	name, err := h.accountName(ctx, id)
	if err != nil {
		return err
	}
	if strings.TrimSpace(req.Confirm) != name {
		return apiError(http.StatusBadRequest, "confirmation_mismatch", "type the account's name exactly to confirm: "+strconv.Quote(name))
	}
	if utf8.RuneCountInString(req.Reason) > 1000 {
		return apiError(http.StatusBadRequest, "invalid_reason", "the reason is at most 1,000 characters")
	}
	r, err := h.svc.RequestDeletion(ctx, staff.Actor{ID: u.ID, Email: u.Email}, id, strings.TrimSpace(req.Reason))
	if errors.Is(err, store.ErrConflict) {
		return apiError(http.StatusConflict, "deletion_requested", "this account's deletion was requested already")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"deletion_request": deletionOut(r)})
}

func (h *staffHandler) accountName(ctx context.Context, id int64) (string, error) {
	d, err := h.svc.AccountName(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", apiError(http.StatusNotFound, "account_not_found", "no such account")
	}
	return d, err
}

// cancelDeletion is DELETE /api/accounts/:account_id/deletion: the owner
// withdraws a pending request (an approved one cannot be withdrawn).
func (h *staffHandler) cancelDeletion(c echo.Context) error {
	u, id, err := h.owner(c)
	if err != nil {
		return err
	}
	if err := h.svc.CancelDeletion(c.Request().Context(), staff.Actor{ID: u.ID, Email: u.Email}, id); errors.Is(err, store.ErrNotFound) {
		return apiError(http.StatusNotFound, "no_deletion_request", "this account has no pending deletion request")
	} else if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/store"
)

// stripeMaxBody bounds a webhook body; Stripe's events are a few KB.
const stripeMaxBody = 256 << 10

// billingHandler serves plans, Checkout, the billing portal, the usage
// bar, the staff billing view and Stripe's webhooks (hosted mode).
type billingHandler struct {
	svc      *billing.Service
	access   access.Checker
	auth     *authenticator
	staffSvc *staff.Service // audits staff changes; nil = logged only
}

func billingRoutes(e *echo.Echo, d Deps, au *authenticator) {
	if d.Billing == nil {
		return
	}
	h := &billingHandler{svc: d.Billing, access: siteAccess(d), auth: au, staffSvc: d.Staff}
	e.POST("/webhooks/stripe", h.webhook)
	e.GET("/api/billing/plans", h.plans)
	e.GET("/api/billing/accounts/:account_id", h.summary)
	e.POST("/api/billing/accounts/:account_id/checkout", h.checkout)
	e.POST("/api/billing/accounts/:account_id/portal", h.portal)
	e.GET("/api/admin/billing", h.staff)
	e.POST("/api/admin/billing/accounts/:account_id", h.staffChange)
	e.GET("/billing/return", h.returned)
}

var errBillingDisabled = apiError(http.StatusNotFound, "billing_disabled", "billing is not enabled on this server (FOOTFALL_MODE=saas)")

// account authenticates the caller and checks they may manage the
// account's billing (app/access: its admins and owner, and staff); to
// anyone else who is no member the account does not exist.
func (h *billingHandler) account(c echo.Context) (store.User, int64, error) {
	u, err := h.auth.user(c)
	if err != nil {
		return store.User{}, 0, err
	}
	if !h.svc.Enabled() {
		return store.User{}, 0, errBillingDisabled
	}
	id, err := strconv.ParseInt(c.Param("account_id"), 10, 64)
	notFound := apiError(http.StatusNotFound, "account_not_found", "no account with id "+strconv.Quote(c.Param("account_id"))+" that you manage")
	if err != nil || id <= 0 {
		return store.User{}, 0, notFound
	}
	if err := accessError(h.access.Account(c.Request().Context(), u, id, access.ManageBilling), notFound); err != nil {
		return store.User{}, 0, err
	}
	return u, id, nil
}

// plans is GET /api/billing/plans: the plans on sale, for a pricing page.
func (h *billingHandler) plans(c echo.Context) error {
	if !h.svc.Enabled() {
		return errBillingDisabled
	}
	return c.JSON(http.StatusOK, map[string]any{"plans": h.svc.Offers()})
}

// summary is GET /api/billing/accounts/:account_id: plan, limits, usage
// bar with projection, subscription and payment state (the banner).
func (h *billingHandler) summary(c echo.Context) error {
	_, id, err := h.account(c)
	if err != nil {
		return err
	}
	sum, err := h.svc.Summary(c.Request().Context(), id)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, sum)
}

// checkout is POST …/checkout {"plan":"basic","interval":"month"}: the
// Stripe Checkout URL to send the buyer to.
func (h *billingHandler) checkout(c echo.Context) error {
	u, id, err := h.account(c)
	if err != nil {
		return err
	}
	var req struct {
		Plan     string `json:"plan"`
		Interval string `json:"interval"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Interval == "" {
		req.Interval = billing.Monthly
	}
	url, err := h.svc.Checkout(c.Request().Context(), id, req.Plan, req.Interval, u.Email)
	if err != nil {
		return billingError(err)
	}
	return c.JSON(http.StatusOK, map[string]string{"url": url})
}

// portal is POST …/portal: the URL of Stripe's customer billing portal.
func (h *billingHandler) portal(c echo.Context) error {
	_, id, err := h.account(c)
	if err != nil {
		return err
	}
	url, err := h.svc.Portal(c.Request().Context(), id)
	if err != nil {
		return billingError(err)
	}
	return c.JSON(http.StatusOK, map[string]string{"url": url})
}

func billingError(err error) error {
	switch {
	case errors.Is(err, billing.ErrDisabled):
		return apiError(http.StatusNotFound, "billing_disabled", err.Error())
	case errors.Is(err, billing.ErrNoStripe):
		return &Error{Status: http.StatusServiceUnavailable, Code: "payments_unavailable", Message: err.Error()}
	case errors.Is(err, billing.ErrUnknownPlan):
		return apiError(http.StatusBadRequest, "unknown_plan", "no such plan or interval is on sale: see GET /api/billing/plans")
	case errors.Is(err, billing.ErrSubscribed):
		return apiError(http.StatusConflict, "already_subscribed", err.Error())
	case errors.Is(err, billing.ErrNoCustomer):
		return apiError(http.StatusConflict, "no_customer", err.Error())
	}
	return err
}

// webhook is POST /webhooks/stripe. A request that is not a genuine,
// fresh event gets 400; a failure to apply one gets 500, so Stripe
// retries it.
func (h *billingHandler) webhook(c echo.Context) error {
	if !h.svc.Enabled() {
		return errBillingDisabled
	}
	body, err := readBody(c, stripeMaxBody)
	if err != nil {
		return err
	}
	err = h.svc.HandleWebhook(c.Request().Context(), body, c.Request().Header.Get("Stripe-Signature"))
	var sigErr *billing.SignatureError
	switch {
	case errors.As(err, &sigErr):
		return apiError(http.StatusBadRequest, "invalid_webhook", sigErr.Error())
	case errors.Is(err, billing.ErrDisabled):
		return apiError(http.StatusNotFound, "billing_disabled", "Stripe webhooks are not configured (FOOTFALL_STRIPE_WEBHOOK_SECRET)")
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"received": true})
}

// staff is GET /api/admin/billing: every billing profile with plan, usage,
// capacity state, and the MRR. Staff only.
func (h *billingHandler) staff(c echo.Context) error {
	u, err := h.auth.user(c)
	if err != nil {
		return err
	}
	if !h.svc.Enabled() {
		return errBillingDisabled
	}
	if !u.Admin {
		return apiError(http.StatusForbidden, "forbidden", "only staff (admin users) may see billing across accounts")
	}
	rows, mrr, err := h.svc.StaffReport(c.Request().Context())
	if err != nil {
		return err
	}
	over := 0
	for _, r := range rows {
		if r.Capacity != store.CapacityOK {
			over++
		}
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"accounts": rows, "mrr_cents": mrr, "over_quota": over})
}

// staffChange is POST /api/admin/billing/accounts/:account_id
// {"override_events": N, "coupon": "ID"}: a staff override of the monthly
// event limit (0 = the plan's) and/or a Stripe coupon. Staff only.
func (h *billingHandler) staffChange(c echo.Context) error {
	u, err := h.auth.user(c)
	if err != nil {
		return err
	}
	if !h.svc.Enabled() {
		return errBillingDisabled
	}
	id, err := strconv.ParseInt(c.Param("account_id"), 10, 64)
	// To anyone but staff, as to tenant isolation, the account is not
	// there.
	if !u.Admin || err != nil || id <= 0 {
		return apiError(http.StatusNotFound, "account_not_found", "no account with id "+strconv.Quote(c.Param("account_id")))
	}
	var req struct {
		Override *int64  `json:"override_events"`
		Coupon   *string `json:"coupon"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Override == nil && req.Coupon == nil {
		return apiError(http.StatusBadRequest, "invalid_request", "give override_events, coupon or both")
	}
	ctx := c.Request().Context()
	if req.Override != nil {
		if *req.Override < 0 {
			return apiError(http.StatusBadRequest, "invalid_override", "override_events must be 0 (the plan's limit) or more")
		}
		if _, err := h.svc.SetOverride(ctx, id, *req.Override); err != nil {
			return staffBillingError(err)
		}
		if err := h.audit(ctx, u, "billing.override", id, map[string]any{"override_events": *req.Override}); err != nil {
			return err
		}
	}
	if req.Coupon != nil {
		coupon := strings.TrimSpace(*req.Coupon)
		if coupon == "" || len(coupon) > 200 {
			return apiError(http.StatusBadRequest, "invalid_coupon", "give the Stripe coupon's id")
		}
		if _, err := h.svc.ApplyCoupon(ctx, id, coupon); err != nil {
			return staffBillingError(err)
		}
		if err := h.audit(ctx, u, "billing.coupon", id, map[string]any{"coupon": coupon}); err != nil {
			return err
		}
	}
	h.auth.logger.Info("staff changed an account's billing", "staff", u.ID, "account", id,
		"override_events", req.Override, "coupon", req.Coupon)
	sum, err := h.svc.Summary(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sum)
}

// audit records a staff billing change in the audit log (app/staff).
func (h *billingHandler) audit(ctx context.Context, u store.User, action string, accountID int64, detail map[string]any) error {
	if h.staffSvc == nil {
		return nil
	}
	name, err := h.staffSvc.AccountName(ctx, accountID)
	if err != nil {
		return err
	}
	return h.staffSvc.Audit(ctx, staff.Actor{ID: u.ID, Email: u.Email}, action, accountID, name, detail)
}

func staffBillingError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return apiError(http.StatusNotFound, "account_not_found", "no such account")
	}
	return billingError(err)
}

// returned is GET /billing/return, where Checkout sessions created
// before the billing page existed send the customer back: on to the
// page (/billing), which shows the outcome. The plan changes when
// Stripe's webhook arrives, not here.
func (h *billingHandler) returned(c echo.Context) error {
	to := "/billing"
	if q := c.QueryString(); q != "" {
		to += "?" + q
	}
	return c.Redirect(http.StatusSeeOther, to)
}

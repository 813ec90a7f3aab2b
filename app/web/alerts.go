package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/app/alerts"
	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/reports"
	"github.com/footfallhq/footfall/store"
)

// AlertStore is the part of the app store behind the alerts and reports
// API.
type AlertStore interface {
	SiteByDomain(ctx context.Context, domain string) (store.Site, error)
	SiteByID(ctx context.Context, id int64) (store.Site, error)
	ListGoals(ctx context.Context, siteID int64) ([]store.SiteGoal, error)
	store.Alerts
}

// AlertDeps is what the alerts and reports API needs (Deps.Alerts).
type AlertDeps struct {
	DB       AlertStore
	Notifier *alerts.Notifier
	// AllowPrivate is FOOTFALL_ALERTS_ALLOW_PRIVATE: plain http webhook
	// URLs are accepted too.
	AllowPrivate bool
	Reports      *reports.Builder
	// Operator lists the operator's channels, for the staff test.
	Operator func(ctx context.Context) ([]store.AlertChannel, error)
}

// alertsMaxBody bounds an alerts API body: a rule or channel is a few
// hundred bytes.
const alertsMaxBody = 16 << 10

// alertsHandler serves /api/v1/sites/alerts/…, /api/v1/sites/reports… and
// the report links (/api/reports/…). Sites are authorised through
// app/access (the site admin role); another site answers as a missing one.
type alertsHandler struct {
	AlertDeps
	sites *sitesHandler
	auth  *authenticator
}

// alertRoutes adds the alerts and reports API to e.
func alertRoutes(e *echo.Echo, d Deps, au *authenticator, si *sitesHandler) {
	if d.Alerts == nil {
		return
	}
	h := &alertsHandler{AlertDeps: *d.Alerts, sites: si, auth: au}
	e.GET("/api/v1/sites/alerts/rules", h.listRules)
	e.POST("/api/v1/sites/alerts/rules", h.createRule)
	e.PUT("/api/v1/sites/alerts/rules/:id", h.updateRule)
	e.DELETE("/api/v1/sites/alerts/rules/:id", h.deleteRule)
	e.GET("/api/v1/sites/alerts/channels", h.listChannels)
	e.POST("/api/v1/sites/alerts/channels", h.createChannel)
	e.PUT("/api/v1/sites/alerts/channels/:id", h.updateChannel)
	e.DELETE("/api/v1/sites/alerts/channels/:id", h.deleteChannel)
	e.POST("/api/v1/sites/alerts/channels/:id/test", h.testChannel)
	e.GET("/api/v1/sites/alerts/deliveries", h.deliveries)
	e.GET("/api/v1/sites/alerts/incidents", h.incidents)
	e.GET("/api/v1/sites/reports", h.listReports)
	e.POST("/api/v1/sites/reports", h.createReport)
	e.DELETE("/api/v1/sites/reports/:id", h.deleteReport)
	e.POST("/api/admin/alerts/test", h.testOperator)
	e.GET("/api/admin/alerts/deliveries", h.operatorDeliveries)
	e.GET(reports.UnsubscribePath, h.unsubscribePage)
	e.POST(reports.UnsubscribePath, h.unsubscribe)
	e.GET("/api/reports/chart.png", h.chart)
}

// site authenticates the request as the Sites API does (a session, or an
// API key with the sites:admin scope) and finds the site named by site_id
// (the query, or the JSON body's field) whose settings the user may
// manage: alert channels carry secrets and report subscriptions send the
// site's figures to outside addresses, so it takes the site admin role.
func (h *alertsHandler) site(c echo.Context, domain string) (store.Site, error) {
	user, err := h.sites.user(c)
	if err != nil {
		return store.Site{}, err
	}
	if domain == "" {
		domain = c.QueryParam("site_id")
	}
	return h.sites.site(c.Request().Context(), user, domain, access.ManageSite)
}

// allowRule refuses an alert rule beyond the account's plan (hosted
// mode): the plan's alerts count the rules of all the account's sites.
func (h *alertsHandler) allowRule(ctx context.Context, site store.Site) error {
	b := h.sites.billing
	if b == nil || !b.Enabled() {
		return nil
	}
	return b.AllowAcrossSites(ctx, site.AccountID, billing.LimitAlerts, func(ctx context.Context, siteID int64) (int, error) {
		rules, err := h.DB.ListAlertRules(ctx, siteID)
		return len(rules), err
	})
}

// decodeStrict reads a JSON object into v, refusing unknown fields.
func decodeStrict(c echo.Context, v any) error {
	body, err := readBody(c, alertsMaxBody)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiError(http.StatusBadRequest, "invalid_request", "the body must be a JSON object with the documented fields: "+jsonProblem(err))
	}
	return nil
}

func pathID(c echo.Context, what string) (int64, error) {
	n, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, apiError(http.StatusBadRequest, "invalid_request", fmt.Sprintf("%s id %q is not a number", what, c.Param("id")))
	}
	return n, nil
}

func notFound(what string, id int64) *Error {
	return apiError(http.StatusNotFound, what+"_not_found", fmt.Sprintf("no %s %d on this site", strings.ReplaceAll(what, "_", " "), id))
}

// ruleJSON is an alert rule as the API shows and takes it.
type ruleJSON struct {
	ID              int64           `json:"id,omitempty"`
	SiteID          string          `json:"site_id,omitempty"`
	Kind            string          `json:"kind"`
	Name            string          `json:"name"`
	Params          json.RawMessage `json:"params"`
	Enabled         *bool           `json:"enabled,omitempty"`
	ChannelIDs      []int64         `json:"channel_ids"`
	CooldownMinutes *int            `json:"cooldown_minutes,omitempty"`
	CreatedAt       *time.Time      `json:"created_at,omitempty"`
}

func toRuleJSON(r store.AlertRule) ruleJSON {
	enabled, cool := r.Enabled, int(r.Cooldown/time.Minute)
	ids := r.ChannelIDs
	if ids == nil {
		ids = []int64{}
	}
	created := r.CreatedAt
	return ruleJSON{ID: r.ID, Kind: r.Kind, Name: r.Name, Params: json.RawMessage(r.Params), Enabled: &enabled,
		ChannelIDs: ids, CooldownMinutes: &cool, CreatedAt: &created}
}

// defaultCooldown keeps a flapping condition from alerting more than once
// an hour unless the rule says otherwise.
const defaultCooldown = time.Hour

// rule checks a rule request against the site (its goals and channels).
func (h *alertsHandler) rule(ctx context.Context, site store.Site, req ruleJSON) (store.AlertRule, error) {
	goals, err := h.DB.ListGoals(ctx, site.ID)
	if err != nil {
		return store.AlertRule{}, err
	}
	names := make([]string, len(goals))
	for i, g := range goals {
		names[i] = g.Name
	}
	p, err := alerts.ParseParams(req.Kind, req.Params, names)
	if err != nil {
		return store.AlertRule{}, apiError(http.StatusBadRequest, "invalid_rule", err.Error())
	}
	params, _ := json.Marshal(p)
	if len(req.Name) > 100 {
		return store.AlertRule{}, apiError(http.StatusBadRequest, "invalid_rule", "name is longer than 100 characters")
	}
	r := store.AlertRule{SiteID: site.ID, Kind: req.Kind, Name: strings.TrimSpace(req.Name), Params: string(params),
		Enabled: req.Enabled == nil || *req.Enabled, ChannelIDs: req.ChannelIDs, Cooldown: defaultCooldown}
	if req.CooldownMinutes != nil {
		if *req.CooldownMinutes < 0 || *req.CooldownMinutes > 7*24*60 {
			return store.AlertRule{}, apiError(http.StatusBadRequest, "invalid_rule", "cooldown_minutes must be from 0 to 10080 (a week)")
		}
		r.Cooldown = time.Duration(*req.CooldownMinutes) * time.Minute
	}
	if len(r.ChannelIDs) > 0 {
		channels, err := h.DB.ListAlertChannels(ctx, site.ID)
		if err != nil {
			return store.AlertRule{}, err
		}
		for _, id := range r.ChannelIDs {
			if !slices.ContainsFunc(channels, func(c store.AlertChannel) bool { return c.ID == id }) {
				return store.AlertRule{}, apiError(http.StatusBadRequest, "invalid_rule", fmt.Sprintf("channel %d is not one of this site's channels", id))
			}
		}
	}
	return r, nil
}

// listRules is GET /api/v1/sites/alerts/rules?site_id=D.
func (h *alertsHandler) listRules(c echo.Context) error {
	site, err := h.site(c, "")
	if err != nil {
		return err
	}
	rules, err := h.DB.ListAlertRules(c.Request().Context(), site.ID)
	if err != nil {
		return err
	}
	out := make([]ruleJSON, len(rules))
	for i, r := range rules {
		out[i] = toRuleJSON(r)
	}
	return c.JSON(http.StatusOK, map[string]any{"rules": out})
}

// createRule is POST /api/v1/sites/alerts/rules {site_id, kind, name,
// params, enabled, channel_ids, cooldown_minutes}.
func (h *alertsHandler) createRule(c echo.Context) error {
	var req ruleJSON
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	site, err := h.site(c, req.SiteID)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.rule(ctx, site, req)
	if err != nil {
		return err
	}
	if err := h.allowRule(ctx, site); err != nil {
		return err
	}
	if r, err = h.DB.CreateAlertRule(ctx, r); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toRuleJSON(r))
}

// updateRule is PUT /api/v1/sites/alerts/rules/:id with the whole rule
// (its kind cannot change).
func (h *alertsHandler) updateRule(c echo.Context) error {
	id, err := pathID(c, "rule")
	if err != nil {
		return err
	}
	var req ruleJSON
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	site, err := h.site(c, req.SiteID)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rules, err := h.DB.ListAlertRules(ctx, site.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rules, func(r store.AlertRule) bool { return r.ID == id })
	if i < 0 {
		return notFound("rule", id)
	}
	if req.Kind == "" {
		req.Kind = rules[i].Kind
	} else if req.Kind != rules[i].Kind {
		return apiError(http.StatusBadRequest, "invalid_rule", "a rule's kind cannot change; create another rule")
	}
	r, err := h.rule(ctx, site, req)
	if err != nil {
		return err
	}
	r.ID, r.CreatedAt = id, rules[i].CreatedAt
	if err := h.DB.UpdateAlertRule(ctx, r); errors.Is(err, store.ErrNotFound) {
		return notFound("rule", id)
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRuleJSON(r))
}

// deleteRule is DELETE /api/v1/sites/alerts/rules/:id?site_id=D.
func (h *alertsHandler) deleteRule(c echo.Context) error {
	return h.deleteOf(c, "rule", h.DB.DeleteAlertRule)
}

func (h *alertsHandler) deleteOf(c echo.Context, what string, del func(ctx context.Context, siteID, id int64) error) error {
	id, err := pathID(c, what)
	if err != nil {
		return err
	}
	site, err := h.site(c, "")
	if err != nil {
		return err
	}
	if err := del(c.Request().Context(), site.ID, id); errors.Is(err, store.ErrNotFound) {
		return notFound(what, id)
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, deletedJSON)
}

// channelJSON is a channel as the API shows and takes it. A webhook's
// secret is shown to the site's managers, who need it to check
// signatures; one is generated when none is given.
type channelJSON struct {
	ID        int64      `json:"id,omitempty"`
	SiteID    string     `json:"site_id,omitempty"`
	Kind      string     `json:"kind"`
	Name      string     `json:"name"`
	Target    string     `json:"target"`
	Secret    string     `json:"secret,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

func toChannelJSON(ch store.AlertChannel) channelJSON {
	created := ch.CreatedAt
	return channelJSON{ID: ch.ID, Kind: ch.Kind, Name: ch.Name, Target: ch.Target, Secret: ch.Secret, CreatedAt: &created}
}

// maxEmailTargets bounds an email channel's addresses.
const maxEmailTargets = 10

func (h *alertsHandler) channel(site store.Site, req channelJSON) (store.AlertChannel, error) {
	bad := func(msg string) error { return apiError(http.StatusBadRequest, "invalid_channel", msg) }
	ch := store.AlertChannel{SiteID: site.ID, Kind: req.Kind, Name: strings.TrimSpace(req.Name), Target: strings.TrimSpace(req.Target)}
	if len(ch.Name) > 100 {
		return ch, bad("name is longer than 100 characters")
	}
	switch req.Kind {
	case store.ChannelEmail:
		addrs := alerts.SplitEmails(ch.Target)
		if len(addrs) == 0 || len(addrs) > maxEmailTargets {
			return ch, bad(fmt.Sprintf("target must be 1 to %d email addresses, separated by commas", maxEmailTargets))
		}
		for _, a := range addrs {
			if _, err := mail.ParseAddress(a); err != nil {
				return ch, bad(fmt.Sprintf("%q is not an email address", a))
			}
		}
		ch.Target = strings.ToLower(strings.Join(addrs, ","))
		if req.Secret != "" {
			return ch, bad("only webhook channels take a secret")
		}
	case store.ChannelSlack, store.ChannelWebhook:
		if _, err := alerts.CheckWebhookURL(ch.Target, h.AllowPrivate); err != nil {
			return ch, bad("target: " + err.Error())
		}
		if req.Kind == store.ChannelSlack && req.Secret != "" {
			return ch, bad("only webhook channels take a secret")
		}
		if req.Kind == store.ChannelWebhook {
			ch.Secret = req.Secret
			if ch.Secret == "" {
				b := make([]byte, 24)
				rand.Read(b)
				ch.Secret = "whsec_" + hex.EncodeToString(b)
			} else if len(ch.Secret) < 16 || len(ch.Secret) > 200 {
				return ch, bad("secret must be 16 to 200 characters (or leave it out to get one)")
			}
		}
	case "":
		return ch, bad(`kind is required: "email", "slack" or "webhook"`)
	default:
		return ch, bad(fmt.Sprintf(`kind %q is not "email", "slack" or "webhook"`, req.Kind))
	}
	return ch, nil
}

// listChannels is GET /api/v1/sites/alerts/channels?site_id=D.
func (h *alertsHandler) listChannels(c echo.Context) error {
	site, err := h.site(c, "")
	if err != nil {
		return err
	}
	chs, err := h.DB.ListAlertChannels(c.Request().Context(), site.ID)
	if err != nil {
		return err
	}
	out := make([]channelJSON, len(chs))
	for i, ch := range chs {
		out[i] = toChannelJSON(ch)
	}
	return c.JSON(http.StatusOK, map[string]any{"channels": out})
}

// createChannel is POST /api/v1/sites/alerts/channels {site_id, kind,
// name, target, secret}.
func (h *alertsHandler) createChannel(c echo.Context) error {
	var req channelJSON
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	site, err := h.site(c, req.SiteID)
	if err != nil {
		return err
	}
	ch, err := h.channel(site, req)
	if err != nil {
		return err
	}
	if ch, err = h.DB.CreateAlertChannel(c.Request().Context(), ch); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toChannelJSON(ch))
}

// findChannel returns the site's channel id.
func (h *alertsHandler) findChannel(ctx context.Context, site store.Site, id int64) (store.AlertChannel, error) {
	chs, err := h.DB.ListAlertChannels(ctx, site.ID)
	if err != nil {
		return store.AlertChannel{}, err
	}
	i := slices.IndexFunc(chs, func(ch store.AlertChannel) bool { return ch.ID == id })
	if i < 0 {
		return store.AlertChannel{}, notFound("channel", id)
	}
	return chs[i], nil
}

// updateChannel is PUT /api/v1/sites/alerts/channels/:id (kind fixed; a
// webhook keeps its secret unless a new one is given).
func (h *alertsHandler) updateChannel(c echo.Context) error {
	id, err := pathID(c, "channel")
	if err != nil {
		return err
	}
	var req channelJSON
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	site, err := h.site(c, req.SiteID)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := h.findChannel(ctx, site, id)
	if err != nil {
		return err
	}
	if req.Kind == "" {
		req.Kind = old.Kind
	} else if req.Kind != old.Kind {
		return apiError(http.StatusBadRequest, "invalid_channel", "a channel's kind cannot change; create another channel")
	}
	keep := req.Secret == "" && old.Kind == store.ChannelWebhook
	ch, err := h.channel(site, req)
	if err != nil {
		return err
	}
	if keep {
		ch.Secret = old.Secret
	}
	ch.ID, ch.CreatedAt = id, old.CreatedAt
	if err := h.DB.UpdateAlertChannel(ctx, ch); errors.Is(err, store.ErrNotFound) {
		return notFound("channel", id)
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toChannelJSON(ch))
}

// deleteChannel is DELETE /api/v1/sites/alerts/channels/:id?site_id=D.
func (h *alertsHandler) deleteChannel(c echo.Context) error {
	return h.deleteOf(c, "channel", h.DB.DeleteAlertChannel)
}

// deliveryJSON is a line of the delivery log.
type deliveryJSON struct {
	ID         int64     `json:"id"`
	ChannelID  int64     `json:"channel_id,omitempty"`
	IncidentID int64     `json:"incident_id,omitempty"`
	Kind       string    `json:"kind"`
	Event      string    `json:"event"`
	Target     string    `json:"target"`
	Attempts   int       `json:"attempts"`
	Status     string    `json:"status"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func toDeliveryJSON(d store.Delivery) deliveryJSON {
	return deliveryJSON{ID: d.ID, ChannelID: d.ChannelID, IncidentID: d.IncidentID, Kind: d.Kind, Event: d.Event, Target: d.Target,
		Attempts: d.Attempts, Status: d.Status, StatusCode: d.StatusCode, Error: d.Error, CreatedAt: d.CreatedAt}
}

// testChannel is POST /api/v1/sites/alerts/channels/:id/test?site_id=D:
// a test notification sent now; the answer is its delivery (ok or failed,
// with the error), also in the log.
func (h *alertsHandler) testChannel(c echo.Context) error {
	id, err := pathID(c, "channel")
	if err != nil {
		return err
	}
	site, err := h.site(c, "")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ch, err := h.findChannel(ctx, site, id)
	if err != nil {
		return err
	}
	d := h.Notifier.Send(ctx, ch, alerts.Notification{Event: store.DeliveryTest, Site: site.Domain,
		Title: "Test notification for " + site.Domain, Summary: "If you can read this, alerts of " + site.Domain + " reach this channel."})
	return c.JSON(http.StatusOK, toDeliveryJSON(d))
}

// limitParam reads ?limit= (default 50, at most 500).
func limitParam(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, apiError(http.StatusBadRequest, "invalid_request", "limit must be a number from 1 to 500")
	}
	return n, nil
}

// deliveries is GET /api/v1/sites/alerts/deliveries?site_id=D: the
// delivery log, newest first.
func (h *alertsHandler) deliveries(c echo.Context) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	site, err := h.site(c, "")
	if err != nil {
		return err
	}
	log, err := h.DB.ListDeliveries(c.Request().Context(), site.ID, limit)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, len(log))
	for i, d := range log {
		out[i] = toDeliveryJSON(d)
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": out})
}

// incidents is GET /api/v1/sites/alerts/incidents?site_id=D, newest first.
func (h *alertsHandler) incidents(c echo.Context) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	site, err := h.site(c, "")
	if err != nil {
		return err
	}
	list, err := h.DB.ListIncidents(c.Request().Context(), site.ID, limit)
	if err != nil {
		return err
	}
	type incidentJSON struct {
		ID         int64      `json:"id"`
		RuleID     int64      `json:"rule_id"`
		Summary    string     `json:"summary"`
		StartedAt  time.Time  `json:"started_at"`
		ResolvedAt *time.Time `json:"resolved_at"`
	}
	out := make([]incidentJSON, len(list))
	for i, in := range list {
		out[i] = incidentJSON{ID: in.ID, RuleID: in.RuleID, Summary: in.Summary, StartedAt: in.StartedAt}
		if !in.ResolvedAt.IsZero() {
			t := in.ResolvedAt
			out[i].ResolvedAt = &t
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"incidents": out})
}

// reportJSON is a report subscription.
type reportJSON struct {
	ID        int64      `json:"id,omitempty"`
	SiteID    string     `json:"site_id,omitempty"`
	Email     string     `json:"email"`
	Frequency string     `json:"frequency"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// listReports is GET /api/v1/sites/reports?site_id=D.
func (h *alertsHandler) listReports(c echo.Context) error {
	site, err := h.site(c, "")
	if err != nil {
		return err
	}
	subs, err := h.DB.ListReportSubscriptions(c.Request().Context(), site.ID)
	if err != nil {
		return err
	}
	out := make([]reportJSON, len(subs))
	for i, s := range subs {
		created := s.CreatedAt
		out[i] = reportJSON{ID: s.ID, Email: s.Email, Frequency: s.Frequency, CreatedAt: &created}
	}
	return c.JSON(http.StatusOK, map[string]any{"subscriptions": out})
}

// createReport is POST /api/v1/sites/reports {site_id, email, frequency}.
func (h *alertsHandler) createReport(c echo.Context) error {
	var req reportJSON
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	site, err := h.site(c, req.SiteID)
	if err != nil {
		return err
	}
	switch req.Frequency {
	case store.ReportDaily, store.ReportWeekly, store.ReportMonthly:
	default:
		return apiError(http.StatusBadRequest, "invalid_subscription", `frequency must be "daily", "weekly" or "monthly"`)
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(req.Email))
	if err != nil || addr.Name != "" {
		return apiError(http.StatusBadRequest, "invalid_subscription", fmt.Sprintf("%q is not an email address", req.Email))
	}
	s, err := h.DB.CreateReportSubscription(c.Request().Context(), store.ReportSubscription{SiteID: site.ID, Email: addr.Address, Frequency: req.Frequency})
	if errors.Is(err, store.ErrConflict) {
		return apiError(http.StatusConflict, "subscription_exists", fmt.Sprintf("%s already gets the %s report of %s", addr.Address, req.Frequency, site.Domain))
	} else if err != nil {
		return err
	}
	created := s.CreatedAt
	return c.JSON(http.StatusCreated, reportJSON{ID: s.ID, Email: s.Email, Frequency: s.Frequency, CreatedAt: &created})
}

// deleteReport is DELETE /api/v1/sites/reports/:id?site_id=D.
func (h *alertsHandler) deleteReport(c echo.Context) error {
	return h.deleteOf(c, "subscription", h.DB.DeleteReportSubscription)
}

// staff authenticates an administrator.
func (h *alertsHandler) staff(c echo.Context) error {
	u, err := h.auth.user(c)
	if err != nil {
		return err
	}
	if !u.Admin {
		return apiError(http.StatusForbidden, "forbidden", "only staff (admin users) may do this")
	}
	return nil
}

// testOperator is POST /api/admin/alerts/test: a test notification to
// every operator channel (FOOTFALL_OPERATOR_EMAIL or the administrators,
// FOOTFALL_OPERATOR_WEBHOOK_URL).
func (h *alertsHandler) testOperator(c echo.Context) error {
	if err := h.staff(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var chs []store.AlertChannel
	if h.Operator != nil {
		var err error
		if chs, err = h.Operator(ctx); err != nil {
			return err
		}
	}
	out := []deliveryJSON{}
	for _, ch := range chs {
		out = append(out, toDeliveryJSON(h.Notifier.Send(ctx, ch, alerts.Notification{Event: store.DeliveryTest,
			Title: "Test notification for the operator", Summary: "Job alerts of this Footfall server reach this channel."})))
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": out})
}

// operatorDeliveries is GET /api/admin/alerts/deliveries: the operator's
// delivery log (job alerts, tests).
func (h *alertsHandler) operatorDeliveries(c echo.Context) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	if err := h.staff(c); err != nil {
		return err
	}
	log, err := h.DB.ListDeliveries(c.Request().Context(), 0, limit)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, len(log))
	for i, d := range log {
		out[i] = toDeliveryJSON(d)
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": out})
}

var unsubscribeTemplate = template.Must(template.New("").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Unsubscribe</title></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1c1917">
{{if .Done}}<h1>Unsubscribed</h1><p>{{.Email}} no longer gets the {{.Frequency}} report of {{.Site}}.</p>
{{else}}<h1>Unsubscribe</h1><p>Stop sending the {{.Frequency}} report of {{.Site}} to {{.Email}}?</p>
<form method="post"><input type="hidden" name="t" value="{{.Token}}"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Unsubscribe</button></form>{{end}}
</body></html>
`))

// subscription opens the unsubscribe token of the request (?t=, or the
// form field t) and looks its subscription up. A subscription already
// gone is ErrNotFound.
func (h *alertsHandler) subscription(c echo.Context) (store.ReportSubscription, store.Site, string, error) {
	token := c.QueryParam("t")
	if token == "" {
		token = c.FormValue("t")
	}
	if h.Reports == nil {
		return store.ReportSubscription{}, store.Site{}, "", apiError(http.StatusNotFound, "not_found", "reports are not set up")
	}
	id, err := h.Reports.Tokens.OpenUnsubscribe(token)
	if err != nil {
		return store.ReportSubscription{}, store.Site{}, "", apiError(http.StatusBadRequest, "invalid_token", "this unsubscribe link is invalid or was altered")
	}
	ctx := c.Request().Context()
	sub, err := h.DB.ReportSubscription(ctx, id)
	if err != nil {
		return store.ReportSubscription{}, store.Site{}, token, err
	}
	site, err := h.DB.SiteByID(ctx, sub.SiteID)
	return sub, site, token, err
}

type unsubscribeView struct {
	Done                          bool
	Email, Frequency, Site, Token string
}

// unsubscribePage is GET /api/reports/unsubscribe?t=…: a page with one
// button. A GET never unsubscribes: mail scanners follow links.
func (h *alertsHandler) unsubscribePage(c echo.Context) error {
	sub, site, token, err := h.subscription(c)
	if errors.Is(err, store.ErrNotFound) {
		return renderHTML(c, unsubscribeView{Done: true, Email: "This address", Frequency: "", Site: "this site"})
	}
	if err != nil {
		return err
	}
	return renderHTML(c, unsubscribeView{Email: sub.Email, Frequency: sub.Frequency, Site: site.Domain, Token: token})
}

// unsubscribe is POST /api/reports/unsubscribe?t=…: RFC 8058's one-click
// unsubscribe (mail clients post List-Unsubscribe=One-Click) and the
// page's button. Unsubscribing twice is not an error.
func (h *alertsHandler) unsubscribe(c echo.Context) error {
	sub, site, _, err := h.subscription(c)
	if errors.Is(err, store.ErrNotFound) {
		return renderHTML(c, unsubscribeView{Done: true, Email: "This address", Site: "this site"})
	}
	if err != nil {
		return err
	}
	if err := h.DB.DeleteReportSubscription(c.Request().Context(), sub.SiteID, sub.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return renderHTML(c, unsubscribeView{Done: true, Email: sub.Email, Frequency: sub.Frequency, Site: site.Domain})
}

func renderHTML(c echo.Context, v unsubscribeView) error {
	var buf bytes.Buffer
	if err := unsubscribeTemplate.Execute(&buf, v); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// chart is GET /api/reports/chart.png?t=…: a report's chart, drawn from
// the stats when the mail client loads it.
func (h *alertsHandler) chart(c echo.Context) error {
	if h.Reports == nil {
		return apiError(http.StatusNotFound, "not_found", "reports are not set up")
	}
	png, err := h.Reports.ChartFor(c.Request().Context(), c.QueryParam("t"), h.DB.SiteByID)
	switch {
	case errors.Is(err, reports.ErrBadToken):
		return apiError(http.StatusBadRequest, "invalid_token", "this chart link is invalid or was altered")
	case errors.Is(err, store.ErrNotFound):
		return apiError(http.StatusNotFound, "site_not_found", "the site of this chart no longer exists")
	case err != nil:
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=3600")
	return c.Blob(http.StatusOK, "image/png", png)
}

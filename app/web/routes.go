package web

import (
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/memory"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is the whole public route table.
func routes(e *echo.Echo, d Deps) {
	e.Use(rateLimits(d, memory.NewLimiter()))

	au := &authenticator{creds: d.Credentials, accounts: d.Accounts, logger: d.Logger, adminTOTP: d.AdminTOTP}
	if d.Staff != nil {
		au.lockedOut = d.Staff.LockedOut
	}
	e.Use(staffTwoFactor(au))
	if d.APIRateLimit > 0 && d.Limiter != nil {
		au.limiter = d.Limiter
		au.limit = store.Limit{Rate: d.APIRateLimit, Period: time.Hour, Burst: d.APIRateLimit}
	}
	ev := &eventHandler{ingester: d.Ingester, siteLimit: newSiteLimiter(), auth: au, access: siteAccess(d), staff: d.Staff}
	e.POST("/api/event", ev.post)
	e.OPTIONS("/api/event", ev.preflight)

	if d.Accounts != nil {
		ac := newAccountHandler(d, au)
		e.GET("/api/auth/me", ac.me)
		e.POST("/api/auth/setup", ac.setup)
		e.POST("/api/auth/login", ac.login)
		e.POST("/api/auth/signup", ac.signup)
		e.POST("/api/auth/logout", ac.logout)
		e.POST("/api/auth/logout-everywhere", ac.logoutEverywhere)
		e.POST("/api/auth/password", ac.changePassword)
		e.GET("/api/auth/sessions", ac.sessions)
		e.DELETE("/api/auth/sessions/:id", ac.deleteSession)
		e.GET("/api/auth/keys", ac.keys)
		e.POST("/api/auth/keys", ac.createKey)
		e.DELETE("/api/auth/keys/:id", ac.deleteKey)
		e.POST("/api/auth/totp/setup", ac.totpSetup)
		e.POST("/api/auth/totp/enable", ac.totpEnable)
		e.POST("/api/auth/totp/disable", ac.totpDisable)
		accountMailRoutes(e, ac)
	}

	teamRoutes(e, d, au)

	st := &statsHandler{stats: d.Stats, auth: au, access: siteAccess(d)}
	e.POST("/api/v2/query", st.query)
	e.OPTIONS("/api/v2/query", st.preflight)
	e.POST("/api/v2/funnel", st.funnel)
	e.OPTIONS("/api/v2/funnel", st.preflight)

	si := &sitesHandler{db: d.Sites, events: d.SiteEvents, changed: d.SiteChanged, authenticate: au.user, access: siteAccess(d), billing: d.Billing}
	e.GET("/api/v1/sites", si.list)
	e.POST("/api/v1/sites", si.create)
	e.GET("/api/v1/sites/goals", si.goals)
	e.PUT("/api/v1/sites/goals", si.putGoal)
	e.DELETE("/api/v1/sites/goals/:goal_id", si.deleteGoal)
	e.GET("/api/v1/sites/funnels", si.funnels)
	e.PUT("/api/v1/sites/funnels", si.putFunnel)
	e.DELETE("/api/v1/sites/funnels/:funnel_id", si.deleteFunnel)
	e.GET("/api/v1/sites/:site_id", si.get)
	e.DELETE("/api/v1/sites/:site_id", si.delete)
	e.PUT("/api/v1/sites/:site_id", si.update)
	e.DELETE("/api/v1/sites/:site_id/events", si.resetEvents)

	alertRoutes(e, d, au, si)
	billingRoutes(e, d, au)
	staffRoutes(e, d, au)

	jh := &jobsHandler{status: d.Jobs, runs: d.JobRuns, auth: au}
	e.GET("/api/admin/jobs", jh.list)

	h := &healthHandler{ready: d.Ready, version: d.Version, logger: d.Logger}
	e.GET("/healthz", h.live)
	e.HEAD("/healthz", h.live)
	e.GET("/readyz", h.readyz)

	if d.MetricsToken != "" {
		metrics := echo.WrapHandler(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}))
		e.GET("/metrics", metrics, bearer(d.MetricsToken))
	}

	a := &assetHandler{fs: d.Assets}
	e.GET("/js/script.js", a.tracker)
	e.HEAD("/js/script.js", a.tracker)
	e.GET("/js/:file", a.tracker)
	e.HEAD("/js/:file", a.tracker)

	ui := &uiHandler{fs: d.Assets, baseURL: d.BaseURL, echo: e}
	e.GET("/ui/:file", ui.asset)
	e.HEAD("/ui/:file", ui.asset)
	for _, path := range []string{"/", "/login", "/setup", "/sites", "/billing", "/:domain", "/:domain/performance", "/:domain/settings", "/admin"} {
		e.GET(path, ui.shell)
	}
	// The staff Jobs page; the page itself shows others a not-found.
	e.GET("/admin/jobs", ui.servePage)
	// Account pages: the targets of emailed links (verify-email,
	// reset-password, invitation) and the team page.
	for _, path := range []string{"/signup", "/forgot-password", "/reset-password", "/verify-email", "/invitation", "/account", "/account/team"} {
		e.GET(path, ui.shell)
	}
	sharedLinkRoutes(e, d, si, ui)
}

// Admin returns the private handler for FOOTFALL_ADMIN_ADDR: metrics,
// pprof and backups, never exposed on the public listener.
func Admin(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	if d.Backup != nil {
		mux.Handle(BackupPath, backupHandler(d.Backup))
	}
	return mux
}

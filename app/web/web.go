// Package web is Footfall's HTTP surface: the route table, middleware and
// the mapping of errors to JSON responses. It is the only package that
// knows echo; everything below it takes context and plain types.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/netip"
	"time"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/ingest"
	"github.com/footfallhq/footfall/app/jobs"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Ingester is the write path behind /api/event.
type Ingester interface {
	Ingest(ctx context.Context, body []byte, c ingest.Client) error
}

// Stats answers /api/v2/query.
type Stats interface {
	Run(ctx context.Context, body []byte, allowed func(store.Site) bool) (query.Response, error)
	RunFunnel(ctx context.Context, body []byte, allowed func(store.Site) bool) (query.FunnelResponse, error)
}

// Credentials is the part of the app store that authenticates API calls.
type Credentials interface {
	APIKeyByHash(ctx context.Context, hash []byte) (store.APIKey, error)
	UserByID(ctx context.Context, id int64) (store.User, error)
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error
}

// Deps is what the HTTP layer needs from the rest of the application.
type Deps struct {
	Logger      *slog.Logger
	Ingester    Ingester
	Stats       Stats
	Credentials Credentials
	// Accounts serves sign-in and sessions (/api/auth/…) and lets the
	// stats and Sites APIs accept a session cookie; nil = API keys only.
	Accounts     Accounts
	SecretKey    string // derives the first-run setup token (auth.SetupToken)
	Registration string // FOOTFALL_REGISTRATION: open, invite (default) or closed
	AdminTOTP    bool   // FOOTFALL_ADMIN_2FA=required: administrators need two-factor first
	// Device and Locate describe a new session for the sessions list:
	// the browser ("Firefox 140 on Linux") and where the address is
	// ("Berlin, DE"; "" when unknown). nil: the User-Agent shortened, and
	// no location. The address itself is never stored.
	Device func(userAgent string) string
	Locate func(ip string) string
	Sites  SiteStore // the Sites API, /api/v1/sites…
	// SiteEvents, if not nil, removes a deleted site's events from the
	// events store.
	SiteEvents interface {
		DeleteSiteEvents(ctx context.Context, siteID int64) error
	}
	// SiteChanged, if not nil, hears that a site's events were reset or
	// its domain or time zone changed (oldDomain: its domain before), so
	// that caches drop what they hold about it.
	SiteChanged    func(site store.Site, oldDomain string)
	Ready          func(ctx context.Context) error // nil error = ready
	Assets         fs.FS                           // the embedded assets/ tree
	TrustedProxies []netip.Prefix
	Registry       *prometheus.Registry
	MetricsToken   string        // serve /metrics publicly to this Bearer token if set
	Limiter        store.Limiter // rate limits; nil = none
	APIRateLimit   int           // API calls per hour per key; 0 = no limit
	BaseURL        string
	Version        string
	Backup         Backuper // POST /backup on the admin listener; nil = none
	// SharedLinks serves shared dashboards (/share/…, /api/share/…) and
	// their management under /api/v1/sites/:site_id/shared-links; nil =
	// none.
	SharedLinks SharedLinkStore
	// Jobs reports the scheduled jobs for the staff view; nil = none.
	Jobs func(ctx context.Context) ([]jobs.Status, error)
	// JobRuns returns a job's newest runs, newest first (the staff view's
	// history); nil = no history shown.
	JobRuns func(ctx context.Context, job string, limit int) ([]store.JobRun, error)
	// Alerts serves the alerts and report subscriptions API and the
	// report links (alerts.go); nil = not served.
	Alerts *AlertDeps

	// Mail sends account mail; nil = none is sent. MailConfigured is
	// false in dev mode (mail logged, not sent): /api/auth/me says so.
	Mail           mail.Mailer
	MailConfigured bool
	// AccountMail stores verification and reset tokens and known devices;
	// with Mail it turns on /api/auth/verify… and /api/auth/password-reset….
	AccountMail store.AccountMail

	// Teams serves accounts, members and invitations (/api/accounts…,
	// /api/auth/invitations/accept); nil = none.
	Teams TeamStore

	// Billing serves plans, Checkout, the portal, usage and Stripe's
	// webhooks (it answers "disabled" outside hosted mode); nil = no
	// billing routes.
	Billing *billing.Service

	// Staff serves the staff admin panel (/api/admin/accounts…, audit,
	// announcements), account deletion requests, and refuses blocked or
	// deleted accounts' events and sign-ins; nil = none of that.
	Staff *staff.Service
}

// New returns the public HTTP handler.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Logger)
	e.IPExtractor = clientIP(d.TrustedProxies)
	e.Pre(securityHeaders)
	e.Use(recoverer(d.Logger), observe(d.Registry))
	routes(e, d)
	return e
}

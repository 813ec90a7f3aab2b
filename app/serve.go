package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/certs"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/jobs"
	"github.com/footfallhq/footfall/app/web"
	"github.com/footfallhq/footfall/store"
)

// Timeouts of a graceful shutdown: in-flight requests first, then the
// queue drain. Events still queued after that are replayed at next start.
const (
	httpShutdownTimeout = 10 * time.Second
	drainTimeout        = 30 * time.Second
)

// Serve runs the appliance until ctx is done: HTTP (and HTTPS with
// autocert when a domain is set), the admin listener, the batcher and the
// scheduled jobs. It returns after a graceful shutdown.
func (a *App) Serve(ctx context.Context, assets fs.FS) error {
	if a.Ingester == nil {
		if err := a.OpenEvents(ctx); err != nil {
			return err
		}
	}
	if _, err := a.SecretKey(); err != nil {
		return err
	}
	cfg := a.Config
	deps, err := a.WebDeps(assets)
	if err != nil {
		return err
	}
	handler := web.New(deps)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on FOOTFALL_ADDR %s: %w", cfg.Addr, err)
	}
	servers := []*http.Server{newServer(handler)}
	listeners := []net.Listener{ln}
	if cfg.AdminEnabled() {
		aln, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on FOOTFALL_ADMIN_ADDR %s: %w", cfg.AdminAddr, err)
		}
		servers = append(servers, newServer(web.Admin(deps)))
		listeners = append(listeners, aln)
	}
	var tlsServer *certs.Server
	if cfg.Domain != "" {
		tlsServer, err = certs.Listen(certs.Options{
			Domain: cfg.Domain, Email: cfg.ACMEMail, DirectoryURL: cfg.ACMEURL,
			CacheDir: cfg.Path("certs"), TLSAddr: cfg.TLSAddr, HTTPAddr: cfg.HTTPAddr,
			Logger: a.Logger.With("component", "certs"), Handler: handler,
		})
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return err
		}
	}

	sched, err := a.NewScheduler()
	if err == nil && a.Shared.Broadcast != nil {
		// Other replicas' batches must reach this cache too.
		err = a.Stats.Cache.Share(ctx, a.Shared.Broadcast, a.Logger)
	}
	if err == nil {
		err = sched.Start(ctx)
	}
	if err != nil {
		for _, l := range listeners {
			l.Close()
		}
		if tlsServer != nil {
			tlsServer.Close()
		}
		return err
	}
	a.Scheduler = sched

	batchCtx, stopBatcher := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBatcher()
	batchDone := make(chan error, 1)
	go func() { batchDone <- a.Batcher().Run(batchCtx, drainTimeout) }()

	serveErr := make(chan error, len(servers)+1)
	for i, srv := range servers {
		go func() {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				serveErr <- err
			}
		}()
	}
	tlsCtx, stopTLS := context.WithCancel(context.WithoutCancel(ctx))
	defer stopTLS()
	var tlsDone sync.WaitGroup
	if tlsServer != nil {
		tlsDone.Add(1)
		go func() {
			defer tlsDone.Done()
			if err := tlsServer.Serve(tlsCtx); err != nil {
				serveErr <- err
			}
		}()
	}

	url := localURL(ln.Addr(), cfg)
	a.Logger.Info("footfall is running", "url", url, "version", a.Version, "data", cfg.DataDir,
		"events", redactURL(cfg.EventsURL), "admin", cfg.AdminAddr, "domain", cfg.Domain)
	fmt.Fprintf(os.Stderr, "Footfall is running: open %s\n", url)
	if err := a.announceSetup(ctx, deps.SecretKey); err != nil {
		a.Logger.Warn("cannot tell whether the first-run setup is needed", "err", err)
	}
	go func() {
		a.geo.Warm()
		// Start-up leaves tens of MB of garbage (decompressed tables, parser
		// construction); hand it back now rather than at the next GC cycle.
		debug.FreeOSMemory()
	}()

	var runErr error
	batcherExited := false
	select {
	case <-ctx.Done():
		a.Logger.Info("shutting down: no new requests, draining the queue")
	case runErr = <-serveErr:
		a.Logger.Error("a listener failed; shutting down", "err", runErr)
	case runErr = <-batchDone:
		a.Logger.Error("the batcher stopped; shutting down", "err", runErr)
		batcherExited = true
	}

	// Stop accepting first, so every acknowledged event is in the queue
	// before the drain starts.
	shCtx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shCtx); err != nil {
			a.Logger.Warn("http shutdown", "err", err)
		}
	}
	stopTLS()
	tlsDone.Wait()
	stopBatcher()
	if !batcherExited {
		if err := <-batchDone; err != nil {
			runErr = errors.Join(runErr, err)
		}
	}
	if err := sched.Shutdown(); err != nil {
		a.Logger.Warn("jobs shutdown", "err", err)
	}
	// Deliveries started by requests finish (or fail and stay queued).
	a.outbox.Wait()
	a.Logger.Info("stopped", "queued_events_left", a.Queue.Depth())
	return runErr
}

// NewScheduler returns Serve's scheduler with every job registered, runs
// recorded in the app database and metrics registered; Start runs it.
func (a *App) NewScheduler() (*jobs.Scheduler, error) {
	jobLog := a.Logger.With("component", "jobs")
	var sched *jobs.Scheduler
	var err error
	if a.Shared != nil && a.Shared.Redis() {
		// Replicas take a job's lock before each run: it runs on one.
		sched, err = jobs.NewShared(jobLog, a.Shared.Locker, 30*time.Second, a.jobs()...)
	} else {
		sched, err = jobs.New(jobLog, a.jobs()...)
	}
	if err != nil {
		return nil, err
	}
	if err := sched.Observe(a.DB, a.Registry); err != nil {
		return nil, err
	}
	if a.Config.JobHeartbeatURL != "" {
		beat, err := jobs.ParseHeartbeat(a.Config.JobHeartbeatURL)
		if err != nil {
			return nil, err
		}
		sched.Ping(beat)
	}
	return sched, nil
}

// jobs lists the scheduled jobs of Serve.
func (a *App) jobs() []jobs.Job {
	list := []jobs.Job{
		// Rotation is idempotent within a day: running it every five minutes
		// rotates at midnight and, should a run fail, soon after.
		{Name: "salt_rotation", Schedule: jobs.Cron("*/5 * * * *"), Timeout: time.Minute, LateAfter: time.Hour,
			Run: func(ctx context.Context) error { return a.Salts.Rotate(ctx, time.Now()) }},
		{Name: "session_sweep", Schedule: jobs.Every(time.Minute), Timeout: time.Minute, LateAfter: 10 * time.Minute,
			Run: func(context.Context) error { a.Sessions.Sweep(time.Now()); return nil }},
		// A visitor day is rolled up once over and quiet for an hour;
		// hourly keeps the raw part of queries to about today.
		{Name: "rollup", Schedule: jobs.Every(time.Hour), Timeout: 30 * time.Minute, LateAfter: 3 * time.Hour, AtStart: true, Run: a.Rollup},
		// The run history keeps a month.
		{Name: "job_history_prune", Schedule: jobs.Cron("17 4 * * *"), Timeout: 5 * time.Minute, LateAfter: 50 * time.Hour,
			Run: func(ctx context.Context) error {
				_, err := a.DB.DeleteJobRunsBefore(ctx, time.Now().AddDate(0, 0, -30))
				return err
			}},
		// Expired sign-in sessions are refused when used; this only keeps
		// the table from growing with abandoned ones.
		{Name: "signin_session_expiry", Schedule: jobs.Every(time.Hour), Timeout: 5 * time.Minute, LateAfter: 3 * time.Hour,
			Run: func(ctx context.Context) error {
				n, err := a.DB.DeleteExpiredSessions(ctx, time.Now())
				if n > 0 {
					a.Logger.Debug("expired sign-in sessions deleted", "n", n)
				}
				return err
			}},
	}
	list = append(list, a.mailJobs()...)
	if d, ok := a.Events.(store.EventDeleter); ok && a.Config.RetentionDays > 0 {
		// FOOTFALL_RETENTION_DAYS: raw events older than that go daily,
		// after the backup; ClickHouse drops whole months and rewrites one.
		list = append(list, jobs.Job{Name: "event_retention", Schedule: jobs.Cron("37 3 * * *"), Timeout: 2 * time.Hour, LateAfter: 50 * time.Hour,
			Run: func(ctx context.Context) error {
				return d.DeleteEventsBefore(ctx, time.Now().AddDate(0, 0, -a.Config.RetentionDays))
			}})
	}
	list = append(list, a.alertJobs()...)
	// Accounts soft-deleted 72 h ago (staff approved their deletion)
	// lose their events and app rows for good.
	list = append(list, jobs.Job{Name: "account_hard_delete", Schedule: jobs.Every(time.Hour), Timeout: 30 * time.Minute,
		LateAfter: 3 * time.Hour, Run: func(ctx context.Context) error { return a.Staff.HardDelete(ctx) }})
	if a.Config.SaaS() {
		// Usage per account and billing period, and the capacity policy
		// (grace, pause, restore) that follows from it.
		list = append(list, jobs.Job{Name: "usage_metering", Schedule: jobs.Every(15 * time.Minute), Timeout: 10 * time.Minute,
			LateAfter: time.Hour, AtStart: true, Run: func(ctx context.Context) error { return a.Billing.Meter(ctx) }})
	}
	if a.Config.BackupDir != "" {
		// 03:00 UTC: after midnight's salt rotation, before most of Europe
		// and the Americas are busy.
		list = append(list, jobs.Job{Name: "backup", Schedule: jobs.Cron(BackupSchedule), Timeout: 2 * time.Hour, LateAfter: 26 * time.Hour,
			Run: a.scheduledBackup})
	}
	return list
}

// BackupSchedule is when FOOTFALL_BACKUP_DIR backups run (cron, UTC).
const BackupSchedule = "0 3 * * *"

// WebDeps returns what the HTTP layer needs; OpenEvents must have run.
func (a *App) WebDeps(assets fs.FS) (web.Deps, error) {
	proxies, err := a.Config.TrustedProxyPrefixes()
	if err != nil {
		return web.Deps{}, err
	}
	secret, err := a.SecretKey()
	if err != nil {
		return web.Deps{}, err
	}
	builder, err := a.ReportBuilder()
	if err != nil {
		return web.Deps{}, err
	}
	alertDeps := &web.AlertDeps{DB: a.DB, Notifier: a.Notifier(), AllowPrivate: a.Config.AlertsPrivateAllowed(),
		Reports: builder, Operator: a.OperatorChannels}
	return web.Deps{
		Alerts:       alertDeps,
		Logger:       a.Logger.With("component", "web"),
		Ingester:     a.Ingester,
		Stats:        a.Stats,
		Credentials:  a.DB,
		Accounts:     a.DB,
		SecretKey:    secret,
		Registration: a.Config.Registration,
		AdminTOTP:    a.Config.AdminTOTP == "required",
		Device:       a.describeDevice,
		Locate:       a.locate,
		Sites:        a.DB,
		SiteEvents:   siteEvents(a.Events),
		SiteChanged: func(s store.Site, oldDomain string) {
			a.Sites.Forget(oldDomain)
			a.Sites.Forget(s.Domain)
			a.Stats.Cache.Forget(s.ID)
		},
		Ready:          a.Ready,
		Assets:         assets,
		TrustedProxies: proxies,
		Registry:       a.Registry,
		MetricsToken:   a.Config.MetricsToken,
		Limiter:        a.Shared.Limiter,
		APIRateLimit:   a.Config.APIRateLimit,
		BaseURL:        strings.TrimRight(a.Config.BaseURL, "/"),
		Version:        a.Version,
		Backup:         backupHandler{a},
		Mail:           a.Mail,
		Teams:          a.DB,
		MailConfigured: a.MailConfigured,
		SharedLinks:    a.DB,
		AccountMail:    a.DB,
		Jobs: func(ctx context.Context) ([]jobs.Status, error) {
			if a.Scheduler == nil {
				return nil, errors.New("the scheduler has not started")
			}
			return a.Scheduler.Status(ctx)
		},
		JobRuns: a.DB.JobRuns,

		// Plans, Checkout, usage and Stripe's webhooks (hosted mode).
		Billing: a.Billing,
		// The staff admin panel, blocks and deletions.
		Staff: a.Staff,
	}, nil
}

// SetupURL is the first-run setup link: the page that creates the owner
// account, with the token that lets a browser on another machine use it.
func (a *App) SetupURL(secretKey string) string {
	return strings.TrimRight(a.Config.BaseURL, "/") + "/setup?token=" + auth.SetupToken(secretKey)
}

// announceSetup logs the setup link while no user exists, once per start,
// so the operator (and only someone who can read the server's log) can
// create the owner account.
func (a *App) announceSetup(ctx context.Context, secretKey string) error {
	has, err := a.DB.HasUsers(ctx)
	if err != nil || has {
		return err
	}
	link := a.SetupURL(secretKey)
	a.Logger.Info("no account yet: open the setup link to create the owner (or run `footfall user create --admin`)", "url", link)
	fmt.Fprintf(os.Stderr, "No account yet. Create the owner account at:\n  %s\n", link)
	return nil
}

func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// localURL is the address to print: the public URL when one is set, else
// where the plain listener can be reached from this machine.
func localURL(addr net.Addr, cfg config.Config) string {
	if cfg.Domain != "" {
		return "https://" + cfg.Domain
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	} else if ip.To4() == nil {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port
}

func redactURL(s string) string {
	if i := strings.Index(s, "@"); i > 0 {
		if j := strings.Index(s, "://"); j > 0 && j < i {
			return s[:j+3] + "…" + s[i:]
		}
	}
	return s
}

// siteEvents is the events store's site deletion, or nil when the store
// has none.
func siteEvents(ev store.Events) interface {
	DeleteSiteEvents(ctx context.Context, siteID int64) error
} {
	if d, ok := ev.(store.EventDeleter); ok {
		return d
	}
	return nil
}

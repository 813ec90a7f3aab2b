// Package app wires Footfall together: configuration → stores → services →
// jobs → HTTP, and runs it until the context ends, shutting down in the
// order that loses nothing (stop accepting, drain the queue, close stores).
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/enrich"
	"github.com/footfallhq/footfall/app/geo"
	"github.com/footfallhq/footfall/app/ingest"
	"github.com/footfallhq/footfall/app/jobs"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/app/staff"
	"github.com/footfallhq/footfall/app/visitor"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/open"
	"github.com/footfallhq/footfall/store/wal"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// App is an opened Footfall instance: stores migrated, salts ready.
type App struct {
	Config  config.Config
	Logger  *slog.Logger
	Version string

	DB     store.App
	Events store.Events
	Queue  store.Queue
	// Shared is the cache, limiter and job locker: on Redis with
	// FOOTFALL_REDIS_URL, else in process.
	Shared *open.Shared

	Registry *prometheus.Registry
	Ingester *ingest.Ingester
	Sites    *ingest.SiteCache
	UA       *enrich.UAParser // shared by ingestion and the sessions list
	Salts    *visitor.Salts
	Sessions *visitor.Sessions
	Metrics  *ingest.Metrics
	Stats    *query.Service
	// Billing is plans, limits and Stripe (active in saas mode only).
	Billing *billing.Service
	// Staff serves the staff admin panel and refuses blocked or deleted
	// accounts (app/staff); OpenEvents builds it.
	Staff *staff.Service
	// Scheduler runs the jobs once Serve started it (nil before).
	Scheduler *jobs.Scheduler

	// Mail sends email through the outbox in the app database: over
	// FOOTFALL_SMTP_URL, or into the log when none is set
	// (MailConfigured false).
	Mail           mail.Mailer
	MailConfigured bool
	outbox         *mail.Outbox

	geo *geo.Locator

	// backupMu makes backups of this process take turns: a second one
	// would also remove the first's unfinished directory as stale.
	backupMu          sync.Mutex
	backupMetricsOnce sync.Once
	backupLastOK      prometheus.Gauge
	backupLastBytes   prometheus.Gauge

	closeOnce sync.Once
	closeErr  error
}

// Open opens the app-data store (and migrates it). The events store, queue
// and ingest pipeline are opened by OpenEvents, which commands that touch
// only app data (site add, user create) skip: the events database admits
// one process, usually the server.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger) (*App, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	a := &App{Config: cfg, Logger: logger, Registry: prometheus.NewRegistry()}
	db, err := open.App(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a.DB = db
	if err := db.Migrate(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("migrate app database: %w", err)
	}
	if err := a.openMail(); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// openMail builds the outbox Mailer from FOOTFALL_SMTP_URL and FOOTFALL_MAIL_FROM.
func (a *App) openMail() error {
	tr, from, err := mail.NewTransport(mail.Options{
		SMTPURL: a.Config.SMTPURL, From: a.Config.MailFrom, BaseURL: a.Config.BaseURL,
		Logger: a.Logger.With("component", "mail"),
	})
	if err != nil {
		return err
	}
	a.outbox = mail.NewOutbox(a.DB, tr, from, a.Logger.With("component", "mail"), a.Registry)
	a.Mail = a.outbox
	a.MailConfigured = a.Config.SMTPURL != ""
	return nil
}

// OpenEvents opens the events store, the durable queue and the ingest
// pipeline.
func (a *App) OpenEvents(ctx context.Context) error {
	cfg := a.Config
	start := time.Now()
	defer func() { a.Logger.Debug("events pipeline open", "took", time.Since(start)) }()
	events, err := open.Events(ctx, cfg.EventsURL, open.EventsOptions{
		MemoryLimit: cfg.DuckDBMemoryLimit, Threads: cfg.DuckDBThreads,
	})
	if err != nil {
		return err
	}
	a.Events = events
	a.Logger.Debug("events store open", "took", time.Since(start))
	var stored uint64
	if sa, ok := events.(store.SequencedAppender); ok {
		if stored, err = sa.LastSeq(ctx); err != nil {
			return fmt.Errorf("events store: %w", err)
		}
	}
	if a.Shared, err = open.OpenShared(ctx, cfg.RedisURL, a.Logger); err != nil {
		return err
	}
	var walQueue *wal.WAL
	if a.Shared.Redis() {
		// Replicas share one stream; events wait in Redis, not on disk.
		a.Queue, err = a.Shared.Queue(ctx, open.QueueOptions{
			MaxEvents: cfg.QueueMaxEvents, StoredThrough: stored, Logger: a.Logger, Consumer: cfg.ReplicaName,
			ClaimIdle: time.Duration(cfg.QueueClaimIdleSeconds) * time.Second,
		})
		if err != nil {
			return err
		}
	} else {
		minFree := int64(cfg.QueueMinFreeMB) << 20
		if minFree == 0 {
			minFree = -1 // the WAL reads 0 as "default"; the operator meant "no check"
		}
		walQueue, err = open.Queue(cfg.Path("queue"), open.QueueOptions{
			MaxEvents:     cfg.QueueMaxEvents,
			MinFreeBytes:  minFree,
			StoredThrough: stored,
			Logger:        a.Logger.With("component", "wal"),
		})
		if err != nil {
			return err
		}
		a.Queue = walQueue
	}
	a.Logger.Debug("queue open", "took", time.Since(start), "depth", a.Queue.Depth())
	if a.geo, err = geo.Open(cfg.GeoIPPath); err != nil {
		return fmt.Errorf("geo database: %w", err)
	}
	a.Salts = visitor.NewSalts(a.DB)
	if err := a.Salts.Rotate(ctx, time.Now()); err != nil {
		return err
	}
	a.Sessions = visitor.NewSessions(a.DB)
	if a.Shared.Visits != nil {
		failures := prometheus.NewCounter(prometheus.CounterOpts{
			Name: "footfall_visit_table_errors_total",
			Help: "Events whose visit was kept in process memory because the shared visit table (Redis) failed.",
		})
		a.Registry.MustRegister(failures)
		a.Sessions.Share(a.Shared.Visits, func(err error) {
			failures.Inc()
			a.Logger.Warn("shared visit table failed; assigning the visit in process", "err", err)
		})
	}
	a.Sites = ingest.NewSiteCache(a.DB, 10*time.Second)
	a.UA = enrich.NewUAParser(20000)
	a.Metrics = ingest.NewMetrics(a.Registry)
	a.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "footfall_queue_depth", Help: "Events acknowledged but not yet in the events store.",
		}, func() float64 { return float64(a.Queue.Depth()) }),
	)
	if q := walQueue; q != nil {
		a.Registry.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "footfall_queue_fsyncs_total", Help: "Group commits (fsyncs) of the write-ahead log.",
			}, func() float64 { return float64(q.Stats().Fsyncs) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "footfall_queue_fsync_seconds_total", Help: "Time spent in write-ahead log fsyncs.",
			}, func() float64 { return q.Stats().FsyncTotal.Seconds() }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "footfall_queue_bytes", Help: "Bytes of write-ahead log segments on disk.",
			}, func() float64 { return float64(q.Stats().Bytes) }),
		)
	}
	if err := a.openBilling(); err != nil {
		return err
	}
	a.openStaff()
	a.Ingester = ingest.New(ingest.Config{
		Sites:    a.Sites,
		UA:       a.UA,
		Geo:      a.geo,
		Salts:    a.Salts,
		Sessions: a.Sessions,
		Queue:    a.Queue,
		Metrics:  a.Metrics,
		// Read at call time: tests replace a.Billing.
		Paused: func(ctx context.Context, siteID int64) bool { return a.Billing.Paused(ctx, siteID) },
	})
	a.Stats = &query.Service{
		Sites: a.DB, Events: a.Events, Cache: query.NewCache(queryCacheSize),
		Goals: func(ctx context.Context, siteID int64) ([]store.Goal, error) {
			stored, err := a.DB.ListGoals(ctx, siteID)
			goals := make([]store.Goal, len(stored))
			for i, g := range stored {
				goals[i] = g.Goal
			}
			return goals, err
		},
		Funnels: a.DB.ListFunnels,
		// Read at call time: tests replace a.Billing.
		Readable: func(ctx context.Context, site store.Site, now time.Time) (query.Window, error) {
			return a.readableWindow(ctx, site, now)
		},
	}
	return nil
}

// queryCacheSize bounds the answers kept in memory: a dashboard view is
// about twenty of them, and each is a few kilobytes at most.
const queryCacheSize = 2000

// Batcher returns the loop moving queued events into the events store.
func (a *App) Batcher() *ingest.Batcher {
	return &ingest.Batcher{
		Queue: a.Queue, Events: a.Events, Metrics: a.Metrics, Stored: a.Stats.Cache.Stored,
		Logger: a.Logger.With("component", "batcher"),
	}
}

// Ready reports whether the stores answer. With the queue on Redis, an
// events store that does not answer leaves the replica ready: events wait
// in the stream until it is back, and a load balancer taking every replica
// out would turn a storage outage into lost events.
func (a *App) Ready(ctx context.Context) error {
	if err := a.DB.Ping(ctx); err != nil {
		return fmt.Errorf("app database: %w", err)
	}
	if a.Events != nil {
		if err := a.Events.Ping(ctx); err != nil {
			if a.Shared == nil || !a.Shared.Redis() {
				return fmt.Errorf("events store: %w", err)
			}
			a.Logger.Warn("events store does not answer; events wait in the Redis stream", "err", err)
		}
	}
	if a.Shared != nil {
		if err := a.Shared.Ping(ctx); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
	}
	return nil
}

// Close closes what Open and OpenEvents opened, queue before stores.
// Calling it again returns the first result.
func (a *App) Close() error {
	a.closeOnce.Do(func() { a.closeErr = a.close() })
	return a.closeErr
}

func (a *App) close() error {
	var errs []error
	if a.Queue != nil {
		errs = append(errs, a.Queue.Close())
	}
	if a.Shared != nil {
		errs = append(errs, a.Shared.Close())
	}
	if a.Events != nil {
		errs = append(errs, a.Events.Close())
	}
	if a.geo != nil {
		errs = append(errs, a.geo.Close())
	}
	if a.DB != nil {
		errs = append(errs, a.DB.Close())
	}
	return errors.Join(errs...)
}

// SecretKey returns FOOTFALL_SECRET_KEY or, when unset, a key generated once
// into the data directory, so sessions survive restarts without setup.
func (a *App) SecretKey() (string, error) {
	if a.Config.SecretKey != "" {
		return a.Config.SecretKey, nil
	}
	path := a.Config.Path("secret.key")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read secret key: %w", err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	key := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write secret key: %w", err)
	}
	return key, nil
}

// rollupper is implemented by events stores that pre-aggregate settled
// days (DuckDB).
type rollupper interface {
	Rollup(ctx context.Context, before time.Time) (int, error)
}

// Rollup builds the events store's rollups of every settled day that has
// none yet; stores without rollups do nothing. The rollup job runs it
// hourly, and seed at its end.
func (a *App) Rollup(ctx context.Context) error {
	r, ok := a.Events.(rollupper)
	if !ok {
		return nil
	}
	start := time.Now()
	n, err := r.Rollup(ctx, start)
	if n > 0 {
		a.Logger.Info("rolled up settled days", "site_days", n, "took", time.Since(start).Round(time.Millisecond))
	}
	if err != nil {
		return err
	}
	sites, err := a.DB.ListSites(ctx)
	if err != nil {
		return err
	}
	if sr, ok := a.Events.(seriesRollupper); ok {
		for _, site := range sites {
			tz := site.TimeZone
			if tz == "" {
				tz = "UTC"
			}
			if _, err := sr.RollupSeries(ctx, site.ID, tz); err != nil {
				return err
			}
		}
	}
	gr, ok := a.Events.(goalRollupper)
	if !ok {
		return nil
	}
	for _, site := range sites {
		stored, err := a.DB.ListGoals(ctx, site.ID)
		if err != nil {
			return err
		}
		goals := make([]store.Goal, len(stored))
		for i, g := range stored {
			goals[i] = g.Goal
		}
		if _, err := gr.RollupGoals(ctx, site.ID, goals); err != nil {
			return err
		}
	}
	return nil
}

// seriesRollupper is implemented by events stores that also roll up daily
// series in a site's zone.
type seriesRollupper interface {
	RollupSeries(ctx context.Context, site int64, tz string) (int, error)
}

// goalRollupper is implemented by events stores that also roll up goal
// completions of settled days.
type goalRollupper interface {
	RollupGoals(ctx context.Context, site int64, goals []store.Goal) (int, error)
}

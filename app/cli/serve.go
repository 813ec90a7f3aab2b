package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/bench"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/report"
	"github.com/footfallhq/footfall/app/seed"
	"github.com/footfallhq/footfall/store/open"
)

func serve(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "serve", &cfg)
	pos, err := parse(fs, args, &cfg, data, addr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	log := logger(e, cfg)
	if cfg.SentryDSN != "" {
		// Every record at error level is reported too (see app/report).
		rep, err := report.New(report.Options{DSN: cfg.SentryDSN, Release: e.Build.Version, Environment: cfg.SentryEnvironment})
		if err != nil {
			return err
		}
		defer rep.Flush(5 * time.Second)
		log = slog.New(rep.Handler(log.Handler()))
		log.Info("errors are reported to Sentry", "environment", cfg.SentryEnvironment, "release", e.Build.Version)
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	a.Version = e.Build.Version
	defer a.Close()
	return a.Serve(ctx, e.Assets)
}

func seedCmd(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "seed", &cfg)
	site := fs.String("site", "", "domain of an existing site (required)")
	events := fs.Int("events", 10000, "number of events to write")
	days := fs.Int("days", 30, "spread the events over this many days up to now")
	lean := fs.Bool("lean", false, "pageviews and custom events only (no performance data, no engagement reports)")
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	if *site == "" || *events <= 0 || *days <= 0 {
		return usagef("--site is required; --events and --days must be positive")
	}
	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.DB.SiteByDomain(ctx, *site); err != nil {
		return fmt.Errorf("site %q: %w (add it with `footfall site add %s`)", *site, err, *site)
	}
	if err := a.OpenEvents(ctx); err != nil {
		return err
	}
	start := time.Now()
	n, err := runSeed(ctx, e, a, seed.Options{Site: *site, Events: *events, Days: *days, Lean: *lean})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "seeded %d events for %s over %d days in %s\n", n, *site, *days, time.Since(start).Round(time.Millisecond))
	// The server rolls settled days up hourly; a seeded dataset is ready
	// for queries (and `bench query`) at once.
	if err := a.Rollup(ctx); err != nil {
		return err
	}
	// A bulk load ends compacted: rows written batch by batch take about
	// half again as much space as the same rows written at once.
	if err := a.Close(); err != nil {
		return err
	}
	return compactEvents(ctx, e, cfg)
}

func compact(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "compact", &cfg)
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	return compactEvents(ctx, e, cfg)
}

func compactEvents(ctx context.Context, e *Env, cfg config.Config) error {
	start := time.Now()
	before, after, err := open.CompactEvents(ctx, cfg.EventsURL, open.EventsOptions{
		MemoryLimit: cfg.DuckDBMemoryLimit, Threads: cfg.DuckDBThreads,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "compacted the events database: %d → %d bytes in %s\n", before, after, time.Since(start).Round(time.Millisecond))
	return nil
}

func migrate(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "migrate", &cfg)
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	a, err := openApp(ctx, e, cfg) // migrates the app database
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.OpenEvents(ctx); err != nil { // migrates the events store
		return err
	}
	fmt.Fprintln(e.Stdout, "migrations are up to date")
	return nil
}

func printConfig(_ context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "config", &cfg)
	markdown := fs.Bool("markdown", false, "print the documentation table instead")
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	if *markdown {
		fmt.Fprint(e.Stdout, config.Markdown())
		return nil
	}
	for _, p := range cfg.Redacted().Pairs() {
		fmt.Fprintf(e.Stdout, "%s=%s\n", p[0], p[1])
	}
	return nil
}

func version(_ context.Context, e *Env, _ config.Config, _ []string) error {
	b := e.Build
	fmt.Fprintf(e.Stdout, "footfall %s (commit %s, built %s)\n", b.Version, b.Commit, b.Date)
	return nil
}

func benchCmd(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	if len(args) > 0 && args[0] == "query" {
		return benchQuery(ctx, e, cfg, args[1:])
	}
	fs, data, addr := flags(e, "bench", &cfg)
	var o bench.Options
	fs.StringVar(&o.URL, "url", bench.DefaultURL, "server to load (loopback only)")
	fs.StringVar(&o.Site, "site", bench.DefaultSite, "site domain registered on the server")
	fs.StringVar(&o.APIKey, "key", "", "API key: read the stored count back after the load")
	fs.IntVar(&o.Concurrency, "c", bench.DefaultConcurrency, "concurrent connections")
	fs.DurationVar(&o.Duration, "duration", 0, "how long to load (default 10s unless --requests)")
	fs.IntVar(&o.Requests, "requests", 0, "stop after this many requests")
	noop := fs.Bool("noop", false, "also load an in-process no-op Go server the same way, and compare")
	jsonOut := fs.Bool("json", false, "print the reports as JSON")
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	o.Out = e.Stderr
	o.Quiet = !isTerminal(e.Stderr)
	return runBench(ctx, e, o, *noop, *jsonOut)
}

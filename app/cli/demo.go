package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/bench"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/seed"
	"github.com/footfallhq/footfall/store"
)

const (
	demoSite  = "demo.footfall.test"
	demoEmail = "demo@footfall.test"
)

// demo serves a demo site with 30 days of traffic, in its own data
// directory unless --data says otherwise, so it never mixes with real data.
func demo(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	if !hasEnv(e.Environ, "FOOTFALL_DATA_DIR") {
		cfg.SetDataDir("./demo-data")
	}
	fs, data, addr := flags(e, "demo", &cfg)
	events := fs.Int("events", 60000, "events to generate on first start")
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()

	u, err := a.DB.UserByEmail(ctx, demoEmail)
	password := ""
	if errors.Is(err, store.ErrNotFound) {
		b := make([]byte, 8)
		rand.Read(b)
		password = hex.EncodeToString(b)
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		if u, err = a.DB.CreateUser(ctx, store.User{Email: demoEmail, PasswordHash: hash, Admin: true, CreatedAt: time.Now()}); err != nil {
			return err
		}
		if err := a.DB.SetEmailVerified(ctx, u.ID, time.Now()); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if _, err := a.DB.SiteByDomain(ctx, demoSite); errors.Is(err, store.ErrNotFound) {
		if _, err := a.DB.CreateSite(ctx, store.Site{Domain: demoSite, TimeZone: "UTC", OwnerID: u.ID, CreatedAt: time.Now()}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if err := a.OpenEvents(ctx); err != nil {
		return err
	}
	site, err := a.DB.SiteByDomain(ctx, demoSite)
	if err != nil {
		return err
	}
	if n, err := a.Events.Count(ctx, site.ID, time.Time{}, time.Time{}); err != nil {
		return err
	} else if n == 0 {
		fmt.Fprintf(e.Stderr, "generating %d demo events over 30 days…\n", *events)
		if _, err := runSeed(ctx, e, a, seed.Options{Site: demoSite, Events: *events, Days: 30}); err != nil {
			return err
		}
		// The dashboard is fast from the first view, not an hour later.
		if err := a.Rollup(ctx); err != nil {
			return err
		}
	}
	key, err := createKey(ctx, a, demoEmail, "demo", nil)
	if err != nil {
		return err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	fmt.Fprintf(e.Stderr, "\nDemo site: %s\n", demoSite)
	if password != "" {
		fmt.Fprintf(e.Stderr, "Demo login: %s / %s\n", demoEmail, password)
	} else {
		fmt.Fprintf(e.Stderr, "Demo login: %s (password set on first start; `footfall user reset-password --data %s --email %s` to change)\n", demoEmail, cfg.DataDir, demoEmail)
	}
	fmt.Fprintf(e.Stderr, "API key: %s\nTry:\n  curl -s %s/api/v2/query -H 'Authorization: Bearer %s' \\\n    -d '{\"site_id\":\"%s\",\"metrics\":[\"visitors\",\"visits\",\"pageviews\"],\"date_range\":\"30d\",\"dimensions\":[\"visit:source\"]}'\n\n",
		key, base, key, demoSite)
	return a.Serve(ctx, e.Assets)
}

func hasEnv(environ []string, name string) bool {
	for _, kv := range environ {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

// runSeed writes synthetic events and waits until they are stored.
func runSeed(ctx context.Context, e *Env, a *app.App, o seed.Options) (int, error) {
	batchCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Batcher().Run(batchCtx, time.Minute) }()
	tty := isTerminal(e.Stderr)
	o.Progress = func(n, total int) {
		if tty {
			fmt.Fprintf(e.Stderr, "\r%s %d/%d events", bar(n, total), n, total)
		}
	}
	n, err := seed.Run(ctx, a.Ingester, o)
	if tty {
		fmt.Fprintln(e.Stderr)
	}
	// Wait for the batcher to store everything, then stop it.
	for err == nil && a.Queue.Depth() > 0 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if berr := <-done; berr != nil && err == nil {
		err = berr
	}
	return n, err
}

func bar(n, total int) string {
	const width = 30
	filled := width * n / max(total, 1)
	return "[" + strings.Repeat("#", filled) + strings.Repeat(" ", width-filled) + "]"
}

func runBench(ctx context.Context, e *Env, o bench.Options, noop, asJSON bool) error {
	var reports []bench.Report
	if noop {
		url, stopNoop, err := bench.NoopServer()
		if err != nil {
			return err
		}
		no := o
		no.URL, no.APIKey, no.Label = url, "", "noop"
		r, err := bench.Run(ctx, no)
		stopNoop()
		if err != nil {
			return fmt.Errorf("no-op run: %w", err)
		}
		reports = append(reports, r)
	}
	o.Label = "footfall"
	r, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	reports = append([]bench.Report{r}, reports...)
	if asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(reports)
	}
	for _, r := range reports {
		fmt.Fprintln(e.Stdout, r.String())
	}
	if noop {
		fmt.Fprintln(e.Stdout, bench.Compare(reports[0], reports[1]))
	}
	return nil
}

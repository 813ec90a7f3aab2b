package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/footfallhq/footfall/app/config"
)

// rollupCmd builds the rollups of every settled day now, as the hourly
// rollup job does: after an upgrade that added a rollup, or before
// timing queries on a restored or imported dataset. The server must not
// be running (DuckDB lets one process open the file).
func rollupCmd(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "rollup", &cfg)
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.OpenEventsStore(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := a.Rollup(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "rollups are up to date (%s)\n", time.Since(start).Round(time.Millisecond))
	return nil
}

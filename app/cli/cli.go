// Package cli is the footfall command line: it parses subcommands and
// flags, loads the configuration and calls into app. Exit codes: 0 ok,
// 1 runtime failure, 2 usage.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/config"
)

// Build describes the binary, set by the release build.
type Build struct {
	Version, Commit, Date string
}

// Env is what a command may touch of the outside world.
type Env struct {
	Args    []string // without the program name
	Environ []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Assets  fs.FS
	Build   Build
}

// usageError makes Run exit with 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

type command struct {
	name, args, help string
	run              func(ctx context.Context, e *Env, cfg config.Config, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "", "run the appliance (the default)", serve},
		{"demo", "", "serve a demo site filled with 30 days of synthetic traffic", demo},
		{"seed", "--site DOMAIN --events N --days D", "write synthetic events through the ingest pipeline", seedCmd},
		{"site", "add DOMAIN [--owner EMAIL] [--timezone TZ] | list | remove DOMAIN", "manage sites", site},
		{"user", "create --email E [--password P] [--admin] | list | reset-password --email E | reset-2fa --email E", "manage users", user},
		{"apikey", "create --email E [--name N] [--scope S]", "create an API key (printed alone on the last line)", apikey},
		{"goal", "add --site D (--event NAME | --page PATH) [--name N] | list --site D | remove --site D ID", "manage a site's goals", goalCmd},
		{"funnel", "add --site D --name N --step event:NAME|page:PATH … | list --site D | remove --site D ID", "manage a site's funnels (2 to 8 steps)", funnelCmd},
		{"migrate", "", "apply database migrations and exit", migrate},
		{"compact", "", "rewrite the events database compactly (stop the server first)", compact},
		{"rollup", "", "build the rollups of settled days now, as the hourly job does (stop the server first)", rollupCmd},
		{"bench", "[--url U] [--site S] [--key K] [-c N] [--duration D] [--requests N] [--noop]", "load-test a running server on loopback; `bench query --site S` times full dashboard views on the data dir", benchCmd},
		{"backup", "--out DIR|s3://B/P [--key-file F]", "write a consistent backup of the data dir (through the running server if there is one)", backupCmd},
		{"restore", "--from DIR|s3://B/P [--key-file F] [--force]", "restore a backup into the data dir (stop the server first)", restoreCmd},
		{"healthcheck", "[--timeout D]", "exit 0 if the local server answers /healthz (for container health checks)", healthcheck},
		{"config", "", "print the effective configuration, secrets redacted", printConfig},
		{"version", "", "print the version", version},
	}
}

// Run executes the command line and returns the exit code.
func Run(e *Env) int {
	args := e.Args
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if len(e.Args) > 0 && (e.Args[0] == "help" || e.Args[0] == "-h" || e.Args[0] == "--help") {
		usage(e.Stdout)
		return 0
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == name {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(e.Stderr, "footfall: unknown command %q\n\n", name)
		usage(e.Stderr)
		return 2
	}
	cfg, err := config.Load(e.Environ)
	if err != nil {
		fmt.Fprintf(e.Stderr, "footfall: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = cmd.run(ctx, e, cfg, args)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.Stderr, "footfall %s: %v\nusage: footfall %s %s\n", cmd.name, ue.msg, cmd.name, cmd.args)
		return 2
	}
	fmt.Fprintf(e.Stderr, "footfall %s: %v\n", cmd.name, err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "footfall: privacy-first web analytics in one binary\n\nusage: footfall [command] [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.help)
	}
	fmt.Fprintln(w, "\nEvery command takes --data DIR (FOOTFALL_DATA_DIR). Configuration is read from FOOTFALL_* variables; see `footfall config`.")
}

// flags returns a flag set with the flags every command shares.
func flags(e *Env, name string, cfg *config.Config) (*flag.FlagSet, *string, *string) {
	fs := flag.NewFlagSet("footfall "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	data := fs.String("data", cfg.DataDir, "data directory (FOOTFALL_DATA_DIR)")
	addr := fs.String("addr", cfg.Addr, "HTTP listen address (FOOTFALL_ADDR)")
	return fs, data, addr
}

// parse parses flags anywhere among the arguments (so `site add x.com
// --owner a@b` works) and applies the shared ones to cfg. It returns the
// positional arguments.
func parse(fs *flag.FlagSet, args []string, cfg *config.Config, data, addr *string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if *data != cfg.DataDir {
		cfg.SetDataDir(*data)
	}
	cfg.Addr = *addr
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return positional, nil
}

// logger builds the process logger: text on a terminal, JSON otherwise.
func logger(e *Env, cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if f, ok := e.Stdout.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(e.Stdout, opts))
	}
	return slog.New(slog.NewJSONHandler(e.Stdout, opts))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func openApp(ctx context.Context, e *Env, cfg config.Config) (*app.App, error) {
	a, err := app.Open(ctx, cfg, logger(e, cfg))
	if err != nil {
		return nil, err
	}
	a.Version = e.Build.Version
	return a, nil
}

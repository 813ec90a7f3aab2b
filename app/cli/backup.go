package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/backup"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/web"
	"github.com/footfallhq/footfall/store/duckdb"
)

func backupCmd(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "backup", &cfg)
	out := fs.String("out", cfg.BackupDir, "directory, or s3://bucket/prefix, to write the backup into (a footfall-<time> directory is made inside; FOOTFALL_BACKUP_DIR)")
	keyFile := fs.String("key-file", "", "encrypt to the age key in this file (default: FOOTFALL_BACKUP_KEY, if set)")
	keep := fs.Int("keep-days", cfg.BackupKeepDays, "afterwards delete backups there older than this many days (0 = keep all; FOOTFALL_BACKUP_KEEP_DAYS)")
	keepLast := fs.Int("keep-last", cfg.BackupKeepLast, "afterwards delete all but this many newest backups there (0 = no count limit; FOOTFALL_BACKUP_KEEP_LAST)")
	pos, err := parse(fs, args, &cfg, data, addr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usagef("--out DIR|s3://bucket/prefix is required")
	}
	if *keep < 0 || *keepLast < 0 {
		return usagef("--keep-days and --keep-last must not be negative")
	}
	retention := backup.Retention{MaxAge: time.Duration(*keep) * 24 * time.Hour, Last: *keepLast}
	key, err := backupKey(cfg, *keyFile)
	if err != nil {
		return usagef("%v", err)
	}

	// An s3:// destination: check the bucket and credentials first, write
	// the backup into a staging directory, upload it, remove the local copy.
	var bucket *backup.S3
	var dir string
	if backup.IsS3(*out) {
		if bucket, err = backup.OpenS3(ctx, *out, app.S3Options(cfg)); err != nil {
			return err
		}
		if dir, err = app.BackupStaging(cfg); err != nil {
			return err
		}
	} else if strings.Contains(*out, "://") {
		return usagef("--out %s: want a directory or s3://bucket/prefix", *out)
	} else if dir, err = filepath.Abs(*out); err != nil {
		return err
	}

	stop := ticker(e, "writing a backup")
	defer stop()
	res, viaServer, err := backupThroughServer(ctx, cfg, dir, key)
	if err != nil {
		return err
	}
	if !viaServer {
		a, err := openApp(ctx, e, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.OpenEventsStore(ctx); err != nil {
			if !cfg.AdminEnabled() && strings.Contains(err.Error(), "in use") {
				// With no admin listener there is no server to ask.
				return fmt.Errorf("%w\nwith FOOTFALL_ADMIN_ADDR=off the server cannot take backup requests: stop it, turn the admin listener on, or let it back itself up with FOOTFALL_BACKUP_DIR", err)
			}
			return err
		}
		path, m, err := a.WriteBackup(ctx, dir, key)
		if err != nil {
			return err
		}
		if err := a.Close(); err != nil {
			return err
		}
		res = backupResult{Path: path, Manifest: m}
	}
	if bucket != nil {
		defer os.RemoveAll(res.Path)
		url, err := bucket.Upload(ctx, res.Path)
		if err != nil {
			return err
		}
		res.Path = url
	}
	stop()
	var size int64
	for _, f := range res.Manifest.Files {
		size += f.Size
	}
	how := "directly"
	if viaServer {
		how = "through the running server"
	}
	fmt.Fprintf(e.Stdout, "backup written %s: %s\n  %d events, %d app rows, %d bytes, encrypted: %t, took %s\n",
		how, res.Path, res.Manifest.EventRows["events"], sum(res.Manifest.AppRows), size, res.Manifest.Encrypted, res.Manifest.Took.Round(time.Millisecond))
	var removed []string
	if bucket != nil {
		removed, err = bucket.Prune(ctx, retention, time.Now())
	} else {
		removed, err = backup.Prune(dir, retention, time.Now())
	}
	for _, p := range removed {
		fmt.Fprintf(e.Stdout, "removed old backup %s\n", p)
	}
	return err
}

type backupResult struct {
	Path     string          `json:"path"`
	Manifest backup.Manifest `json:"manifest"`
}

// backupThroughServer asks the server on FOOTFALL_ADMIN_ADDR for the
// backup: it holds the events database, which no other process may open.
// It reports viaServer false when no server listens there.
func backupThroughServer(ctx context.Context, cfg config.Config, dir string, key *backup.Key) (res backupResult, viaServer bool, err error) {
	if !cfg.AdminEnabled() {
		return res, false, nil
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return res, false, err
	}
	req := web.BackupRequest{Dir: dir, DataDir: dataDir}
	if key != nil {
		req.Recipient = key.Recipient()
	}
	body, err := json.Marshal(req)
	if err != nil {
		return res, false, err
	}
	url, err := localHTTP(cfg.AdminAddr, web.BackupPath)
	if err != nil {
		return res, false, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return res, false, err
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hr)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return res, false, nil // no server: open the files directly
	}
	if err != nil {
		return res, false, fmt.Errorf("ask the server at %s for a backup: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return res, true, fmt.Errorf("backup through the server: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		if resp.StatusCode == http.StatusNotFound {
			e.Error = "the server on FOOTFALL_ADMIN_ADDR does not offer backups (an older footfall?)"
		}
		return res, true, fmt.Errorf("backup through the server at %s: %s: %s", url, resp.Status, e.Error)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, true, fmt.Errorf("backup through the server: %w", err)
	}
	return res, true, nil
}

func restoreCmd(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "restore", &cfg)
	from := fs.String("from", "", "a backup directory, a directory of backups (the newest is taken), or s3://bucket/prefix[/footfall-<time>]")
	keyFile := fs.String("key-file", "", "the age identity that decrypts the backup (default: FOOTFALL_BACKUP_KEY)")
	force := fs.Bool("force", false, "restore over an existing installation, moving its files into DATA/pre-restore-<time>/")
	pos, err := parse(fs, args, &cfg, data, addr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *from == "" {
		return usagef("--from DIR|s3://bucket/prefix is required")
	}
	key, err := backupKey(cfg, *keyFile)
	if err != nil {
		return usagef("%v", err)
	}
	appPath, ok1 := strings.CutPrefix(cfg.DatabaseURL, "sqlite://")
	eventsPath, ok2 := strings.CutPrefix(cfg.EventsURL, "duckdb://")
	if !ok1 || !ok2 {
		return errors.New("restore fills the embedded databases (sqlite:// and duckdb://); for PostgreSQL and ClickHouse use their own tools (docs/OPERATIONS.md)")
	}
	var dir string
	if backup.IsS3(*from) {
		bucket, err := backup.OpenS3(ctx, *from, app.S3Options(cfg))
		if err != nil {
			return err
		}
		// Downloaded into the data directory's disk, then checked and
		// restored like any directory.
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return err
		}
		tmp, err := os.MkdirTemp(cfg.DataDir, ".s3-restore-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		fmt.Fprintf(e.Stderr, "downloading from %s\n", *from)
		if dir, err = bucket.Download(ctx, tmp); err != nil {
			return err
		}
	} else if dir, err = backup.Resolve(*from); err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(e.Stderr, "restoring %s into %s\n", dir, cfg.DataDir)
	stop := ticker(e, "restoring")
	defer stop()
	m, err := backup.Restore(ctx, dir, backup.Target{
		DataDir: cfg.DataDir, AppPath: appPath, EventsPath: eventsPath, SecretPath: cfg.Path("secret.key"),
		EventsOptions: duckdb.Options{MemoryLimit: cfg.DuckDBMemoryLimit, Threads: cfg.DuckDBThreads},
	}, backup.RestoreOptions{Key: key, Force: *force})
	stop()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "restored the backup of %s (footfall %s): %d events in %d sites, %d app rows, checked against the manifest, in %s\n",
		m.Created.Format(time.RFC3339), m.FootfallVersion, m.EventRows["events"], len(m.EventsPerSite), sum(m.AppRows), time.Since(start).Round(time.Millisecond))
	return nil
}

// backupKey reads --key-file, else FOOTFALL_BACKUP_KEY; nil when neither.
func backupKey(cfg config.Config, keyFile string) (*backup.Key, error) {
	if keyFile != "" {
		return backup.ReadKeyFile(keyFile)
	}
	if cfg.BackupKey != "" {
		return backup.ParseKey(cfg.BackupKey)
	}
	return nil, nil
}

func sum(m map[string]int64) int64 {
	var n int64
	for k, v := range m {
		if k != "schema_migrations" {
			n += v
		}
	}
	return n
}

// ticker shows the elapsed time of work with no measurable progress on a
// terminal, once a second; the returned stop clears the line and may be
// called more than once.
func ticker(e *Env, what string) (stop func()) {
	if !isTerminal(e.Stderr) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(e.Stderr, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprintf(e.Stderr, "\r%s… %s", what, time.Since(start).Round(time.Second))
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done); <-finished })
	}
}

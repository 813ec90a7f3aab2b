package backup

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/sqlite"
)

// Target is where Restore puts a backup: the files of an embedded
// installation, as the configuration names them.
type Target struct {
	DataDir    string
	AppPath    string // the SQLite file
	EventsPath string // the DuckDB file
	SecretPath string // the generated secret key
	// EventsOptions are used to open the new events database.
	EventsOptions duckdb.Options
}

// RestoreOptions tune Restore.
type RestoreOptions struct {
	Key *Key // needed when the backup is encrypted
	// Force restores over an existing installation, whose files are first
	// moved into DataDir/pre-restore-<time>/ (not deleted).
	Force bool
	Now   func() time.Time
}

// ErrNotEmpty is returned when the target already holds an installation
// and Force is not set.
var ErrNotEmpty = errors.New("the data directory already holds a footfall installation")

// Resolve returns the backup directory from names: itself if it holds a
// manifest, else the newest complete backup inside it.
func Resolve(from string) (string, error) {
	if _, err := os.Stat(filepath.Join(from, manifestName)); err == nil {
		return from, nil
	}
	list, err := List(from)
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", fmt.Errorf("backup: no backup in %s (want a footfall-… directory with a manifest.json)", from)
	}
	return list[len(list)-1].Path, nil
}

// Restore checks the backup at dir (every checksum, before anything is
// touched), puts its files in place, upgrades them to this binary's
// schema, and proves the result: the row counts of every table and the
// event count of every site must equal the manifest's. Nothing may hold
// the target's files (stop the server first). On failure the target is
// left as it was, except with Force, where the previous files stay in the
// pre-restore directory.
func Restore(ctx context.Context, dir string, t Target, o RestoreOptions) (m Manifest, err error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	m, err = ReadManifest(dir)
	if err != nil {
		return Manifest{}, err
	}
	if m.Format != FormatVersion {
		return Manifest{}, fmt.Errorf("backup: %s has format %d; this footfall reads format %d", dir, m.Format, FormatVersion)
	}
	if m.Encrypted && !o.Key.CanDecrypt() {
		return Manifest{}, errors.New("backup: the backup is encrypted: give its identity with --key-file or FOOTFALL_BACKUP_KEY (AGE-SECRET-KEY-1…)")
	}
	for _, f := range m.Files {
		size, sum, err := checksum(filepath.Join(dir, f.Name))
		if err != nil {
			return Manifest{}, fmt.Errorf("backup: %w", err)
		}
		if size != f.Size || sum != f.SHA256 {
			return Manifest{}, fmt.Errorf("backup: %s is damaged: %d bytes, sha256 %s; the manifest says %d bytes, %s", f.Name, size, sum, f.Size, f.SHA256)
		}
	}

	existing := present(t)
	if len(existing) > 0 && !o.Force {
		return Manifest{}, fmt.Errorf("backup: %w (%s): restore into an empty one, or pass --force to move the current files aside", ErrNotEmpty, existing[0])
	}
	if len(existing) > 0 {
		// Renaming a database a server has open would lose what it writes
		// next: make sure nobody does.
		if err := duckdb.Probe(ctx, t.EventsPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Manifest{}, fmt.Errorf("backup: %s is in use (stop the server first): %w", t.EventsPath, err)
		}
	}
	if err := os.MkdirAll(t.DataDir, 0o700); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	stage, err := os.MkdirTemp(t.DataDir, ".restore-")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(stage)

	// Plain copies of every file, in the staging directory.
	plain := map[string]string{} // file name without .age → staged path
	tables := map[string]string{}
	for _, f := range m.Files {
		base := f.Name
		if m.Encrypted {
			base = base[:len(base)-len(".age")]
		}
		dst := filepath.Join(stage, base)
		if m.Encrypted {
			err = o.Key.decryptFile(dst, filepath.Join(dir, f.Name))
		} else {
			err = copyFile(dst, filepath.Join(dir, f.Name))
		}
		if err != nil {
			return Manifest{}, fmt.Errorf("backup: %w", err)
		}
		plain[f.Kind+":"+f.Table] = dst
		if f.Kind == "events" {
			tables[f.Table] = dst
		}
	}
	appFile, ok := plain["app:"]
	if !ok {
		return Manifest{}, errors.New("backup: the manifest lists no app database")
	}
	// Check the copy before it is upgraded: a later migration may add rows.
	info, err := sqlite.Inspect(ctx, appFile)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	for table, want := range m.AppRows {
		if got := info.Rows[table]; got != want {
			return Manifest{}, fmt.Errorf("backup: app table %s has %d rows in the backup, the manifest says %d", table, got, want)
		}
	}

	// Build the new events database beside the target, then move both
	// databases in.
	newEvents := filepath.Join(stage, "events.duckdb")
	ev, err := duckdb.Open(ctx, newEvents, t.EventsOptions)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if err := ev.Import(ctx, tables); err != nil {
		ev.Close()
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if err := ev.Close(); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}

	if len(existing) > 0 {
		aside := filepath.Join(t.DataDir, "pre-restore-"+now().UTC().Format(stamp))
		if err := os.Mkdir(aside, 0o700); err != nil {
			return Manifest{}, fmt.Errorf("backup: %w", err)
		}
		for _, p := range existing {
			if err := os.Rename(p, filepath.Join(aside, filepath.Base(p))); err != nil {
				return Manifest{}, fmt.Errorf("backup: move %s aside: %w", p, err)
			}
		}
	}
	moves := [][2]string{{newEvents, t.EventsPath}, {appFile, t.AppPath}}
	if s, ok := plain["secret:"]; ok && t.SecretPath != "" {
		moves = append(moves, [2]string{s, t.SecretPath})
	}
	for _, mv := range moves {
		if err := os.MkdirAll(filepath.Dir(mv[1]), 0o700); err != nil {
			return Manifest{}, fmt.Errorf("backup: %w", err)
		}
		if err := os.Rename(mv[0], mv[1]); err != nil {
			return Manifest{}, fmt.Errorf("backup: put %s in place: %w", mv[1], err)
		}
	}
	if err := syncDir(t.DataDir); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if err := verify(ctx, t, m); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// verify opens the restored databases as the server will, migrating them
// to this binary's schema, and compares the events per site with the
// manifest (the app rows were checked before the upgrade).
func verify(ctx context.Context, t Target, m Manifest) error {
	app, err := sqlite.Open(ctx, t.AppPath)
	if err != nil {
		return fmt.Errorf("backup: restored app database: %w", err)
	}
	if err := app.Migrate(ctx); err != nil {
		app.Close()
		return fmt.Errorf("backup: restored app database: %w", err)
	}
	if err := app.Close(); err != nil {
		return fmt.Errorf("backup: restored app database: %w", err)
	}

	ev, err := duckdb.Open(ctx, t.EventsPath, t.EventsOptions)
	if err != nil {
		return fmt.Errorf("backup: restored events database: %w", err)
	}
	defer ev.Close()
	sites := slices.Sorted(maps.Keys(m.EventsPerSite))
	for _, s := range sites {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("backup: manifest: site id %q: %w", s, err)
		}
		got, err := ev.Count(ctx, id, time.Time{}, time.Time{})
		if err != nil {
			return fmt.Errorf("backup: restored events database: %w", err)
		}
		if want := m.EventsPerSite[s]; got != want {
			return fmt.Errorf("backup: restored events of site %d: %d, the backup %d", id, got, want)
		}
	}
	return ev.Close()
}

// present lists the target's files that exist.
func present(t Target) []string {
	var out []string
	for _, p := range []string{t.AppPath, t.AppPath + "-wal", t.AppPath + "-shm", t.EventsPath, t.EventsPath + ".wal",
		t.SecretPath, filepath.Join(t.DataDir, "queue")} {
		if p == "" {
			continue
		}
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Package backup writes and restores consistent snapshots of an embedded
// Footfall installation (SQLite app data, DuckDB events, the generated
// secret key) as a directory with a manifest, optionally encrypted, and
// prunes old ones. The server runs it for scheduled backups and for
// `footfall backup` while it holds the events database; the CLI runs it
// directly when no server does.
//
// A backup directory is named footfall-YYYYMMDDTHHMMSSZ and holds:
//
//	manifest.json      what is inside: versions, counts, SHA-256 of each file
//	app.db             SQLite copy made with VACUUM INTO
//	<table>.parquet    each DuckDB data table, from one transaction
//	secret.key         the generated FOOTFALL_SECRET_KEY, if there is one
//
// With a key every file but the manifest is age-encrypted (name + ".age").
// The directory appears under its final name only once complete.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/sqlite"
)

// FormatVersion is the layout this package writes; Restore refuses others.
const FormatVersion = 1

const (
	prefix       = "footfall-"
	stamp        = "20060102T150405Z"
	manifestName = "manifest.json"
	partial      = ".partial"
)

// Manifest describes a backup; it is stored unencrypted beside the files
// so a backup can be listed and checked without the key. It holds counts,
// never analytics data.
type Manifest struct {
	Format          int       `json:"format"`
	FootfallVersion string    `json:"footfall_version"`
	Created         time.Time `json:"created"`
	Encrypted       bool      `json:"encrypted"`
	// AppSchema and EventsSchema are the migration versions of the copies.
	AppSchema    int `json:"app_schema_version"`
	EventsSchema int `json:"events_schema_version"`
	// AppRows and EventRows count rows per table; EventsPerSite counts the
	// events table by site id. Restore checks its result against them.
	AppRows       map[string]int64 `json:"app_rows"`
	EventRows     map[string]int64 `json:"event_rows"`
	EventsPerSite map[string]int64 `json:"events_per_site"`
	Files         []File           `json:"files"`
	// Took is how long writing the backup took.
	Took time.Duration `json:"took_ns"`
}

// File is one file of a backup.
type File struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`            // "app", "events" or "secret"
	Table  string `json:"table,omitempty"` // for kind "events"
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // of the bytes as stored (encrypted, if so)
}

// AppDB is the app-data store as backups need it (store/sqlite).
type AppDB interface {
	Backup(ctx context.Context, destPath string) error
}

// EventsDB is the events store as backups need it (store/duckdb).
type EventsDB interface {
	Export(ctx context.Context, dir string) (duckdb.Snapshot, error)
}

// Source is what a backup copies.
type Source struct {
	App        AppDB
	Events     EventsDB
	SecretPath string // the generated secret key file; skipped if absent
	Version    string // footfall version, recorded in the manifest
}

// Options tune Write.
type Options struct {
	Key *Key             // encrypt to this key when set
	Now func() time.Time // for tests; default time.Now
}

// Write makes a new backup directory under dir (created if needed) and
// returns its path and manifest. Events come from one DuckDB transaction
// and app data from one SQLite snapshot, taken right after: each is
// consistent in itself, and an event whose site was added in between
// refers to a site the app copy may lack. Events acknowledged but still in
// the ingest queue (the last second or so) are not in the backup.
func Write(ctx context.Context, dir string, src Source, o Options) (path string, m Manifest, err error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	start := now().UTC()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	removeStale(dir)
	name := prefix + start.Format(stamp)
	final := filepath.Join(dir, name)
	if _, err := os.Stat(final); err == nil {
		return "", Manifest{}, fmt.Errorf("backup: %s already exists", final)
	}
	tmp := filepath.Join(dir, "."+name+partial)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	m = Manifest{Format: FormatVersion, FootfallVersion: src.Version, Created: start, Encrypted: o.Key != nil}

	snap, err := src.Events.Export(ctx, tmp)
	if err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	m.EventsSchema, m.EventRows = snap.SchemaVersion, snap.Rows
	m.EventsPerSite = make(map[string]int64, len(snap.EventsPerSite))
	for site, n := range snap.EventsPerSite {
		m.EventsPerSite[strconv.FormatInt(site, 10)] = n
	}
	var files []File
	for table, f := range snap.Files {
		files = append(files, File{Name: f, Kind: "events", Table: table})
	}

	appPath := filepath.Join(tmp, "app.db")
	if err := src.App.Backup(ctx, appPath); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	info, err := sqlite.Inspect(ctx, appPath)
	if err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	m.AppSchema, m.AppRows = info.SchemaVersion, info.Rows
	files = append(files, File{Name: "app.db", Kind: "app"})

	if src.SecretPath != "" {
		switch err := copyFile(filepath.Join(tmp, "secret.key"), src.SecretPath); {
		case err == nil:
			files = append(files, File{Name: "secret.key", Kind: "secret"})
		case !errors.Is(err, os.ErrNotExist):
			return "", Manifest{}, fmt.Errorf("backup: secret key: %w", err)
		}
	}

	for i := range files {
		p := filepath.Join(tmp, files[i].Name)
		if o.Key != nil {
			if err := o.Key.encryptFile(p+".age", p); err != nil {
				return "", Manifest{}, fmt.Errorf("backup: encrypt %s: %w", files[i].Name, err)
			}
			if err := os.Remove(p); err != nil {
				return "", Manifest{}, fmt.Errorf("backup: %w", err)
			}
			files[i].Name += ".age"
			p += ".age"
		} else if err := syncFile(p); err != nil {
			return "", Manifest{}, fmt.Errorf("backup: %w", err)
		}
		if files[i].Size, files[i].SHA256, err = checksum(p); err != nil {
			return "", Manifest{}, fmt.Errorf("backup: %w", err)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	m.Files = files
	m.Took = now().Sub(start)
	if err := writeManifest(filepath.Join(tmp, manifestName), m); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(tmp); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	return final, m, nil
}

// Retention says which backups to keep; a backup goes when either rule
// lets it go. The newest is always kept, whatever the rules say.
type Retention struct {
	// MaxAge removes backups created longer ago than this (0 = no age limit).
	MaxAge time.Duration
	// Last keeps at most this many of the newest backups (0 = no limit).
	Last int
}

// expired returns the entries (oldest first) r removes.
func (r Retention) expired(list []Entry, now time.Time) []Entry {
	var out []Entry
	for i, b := range list {
		newer := len(list) - 1 - i // backups newer than this one
		if newer == 0 {
			continue
		}
		if (r.MaxAge > 0 && now.Sub(b.Created) > r.MaxAge) || (r.Last > 0 && newer >= r.Last) {
			out = append(out, b)
		}
	}
	return out
}

// Prune deletes the backups in dir that r lets go, judged by their names,
// always sparing the newest. It returns the paths removed.
func Prune(dir string, r Retention, now time.Time) ([]string, error) {
	list, err := List(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, b := range r.expired(list, now) {
		if err := os.RemoveAll(b.Path); err != nil {
			return removed, fmt.Errorf("backup: prune: %w", err)
		}
		removed = append(removed, b.Path)
	}
	return removed, nil
}

// Entry is a complete backup found by List.
type Entry struct {
	Path    string
	Created time.Time
}

// List returns the complete backups in dir, oldest first. Directories
// still being written, and anything not named like a backup, are skipped.
func List(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var out []Entry
	for _, de := range des {
		ts, ok := strings.CutPrefix(de.Name(), prefix)
		if !ok || !de.IsDir() {
			continue
		}
		t, err := time.Parse(stamp, ts)
		if err != nil {
			continue
		}
		p := filepath.Join(dir, de.Name())
		if _, err := os.Stat(filepath.Join(p, manifestName)); err != nil {
			continue
		}
		out = append(out, Entry{Path: p, Created: t})
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// removeStale deletes directories a crashed Write left behind; they may
// hold unencrypted copies.
func removeStale(dir string) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range des {
		if strings.HasPrefix(de.Name(), "."+prefix) && strings.HasSuffix(de.Name(), partial) {
			os.RemoveAll(filepath.Join(dir, de.Name()))
		}
	}
}

func writeManifest(path string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return syncFile(path)
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("backup: %s: %w", filepath.Join(dir, manifestName), err)
	}
	return m, nil
}

func checksum(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(dst, src string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func syncDir(path string) error { return syncFile(path) }

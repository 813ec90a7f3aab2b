package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/footfallhq/footfall/app/backup"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/web"
	"github.com/footfallhq/footfall/store/open"
	"github.com/prometheus/client_golang/prometheus"
)

// BackupKey returns the key of FOOTFALL_BACKUP_KEY, nil when unset.
func (a *App) BackupKey() (*backup.Key, error) {
	if a.Config.BackupKey == "" {
		return nil, nil
	}
	return backup.ParseKey(a.Config.BackupKey)
}

// OpenEventsStore opens the events store alone, without the queue and the
// ingest pipeline: for commands that only read or copy events.
func (a *App) OpenEventsStore(ctx context.Context) error {
	events, err := open.Events(ctx, a.Config.EventsURL, open.EventsOptions{
		MemoryLimit: a.Config.DuckDBMemoryLimit, Threads: a.Config.DuckDBThreads,
	})
	if err != nil {
		return err
	}
	a.Events = events
	return nil
}

// WriteBackup writes a backup of the open stores into a new directory
// under dir (see package backup). It needs the embedded backends; with
// PostgreSQL and ClickHouse use their own tools (docs/OPERATIONS.md).
func (a *App) WriteBackup(ctx context.Context, dir string, key *backup.Key) (string, backup.Manifest, error) {
	appDB, ok := a.DB.(backup.AppDB)
	if !ok {
		return "", backup.Manifest{}, errors.New("backup: the app database is not SQLite: back it up with pg_dump (see docs/OPERATIONS.md)")
	}
	events, ok := a.Events.(backup.EventsDB)
	if !ok {
		return "", backup.Manifest{}, errors.New("backup: the events store is not DuckDB: back ClickHouse up with its own tools (see docs/OPERATIONS.md)")
	}
	if !filepath.IsAbs(dir) {
		return "", backup.Manifest{}, fmt.Errorf("backup: %q is not an absolute path", dir)
	}
	a.backupMu.Lock()
	defer a.backupMu.Unlock()
	path, m, err := backup.Write(ctx, dir, backup.Source{
		App: appDB, Events: events, SecretPath: a.Config.Path("secret.key"), Version: a.Version,
	}, backup.Options{Key: key})
	if err != nil {
		return "", backup.Manifest{}, err
	}
	a.recordBackup(m)
	return path, m, nil
}

// recordBackup exports the last successful backup's time and size, so an
// alert can fire when backups stop.
func (a *App) recordBackup(m backup.Manifest) {
	a.backupMetricsOnce.Do(func() {
		a.backupLastOK = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "footfall_backup_last_success_timestamp_seconds", Help: "Unix time of the last backup this process wrote successfully.",
		})
		a.backupLastBytes = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "footfall_backup_last_size_bytes", Help: "Size of the last backup this process wrote.",
		})
		a.Registry.MustRegister(a.backupLastOK, a.backupLastBytes)
	})
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	a.backupLastOK.Set(float64(m.Created.Add(m.Took).Unix()))
	a.backupLastBytes.Set(float64(size))
}

// BackupRetention is the retention FOOTFALL_BACKUP_KEEP_DAYS and
// FOOTFALL_BACKUP_KEEP_LAST describe.
func BackupRetention(c config.Config) backup.Retention {
	return backup.Retention{MaxAge: time.Duration(c.BackupKeepDays) * 24 * time.Hour, Last: c.BackupKeepLast}
}

// S3Options are the FOOTFALL_BACKUP_S3_* settings.
func S3Options(c config.Config) backup.S3Options {
	return backup.S3Options{
		Endpoint: c.BackupS3Endpoint, Region: c.BackupS3Region, PathStyle: c.BackupS3PathStyle,
		AccessKeyID: c.BackupS3AccessKey, SecretAccessKey: c.BackupS3Secret,
	}
}

// BackupStaging is where a backup bound for S3 is written before it is
// uploaded: inside the data directory, so it is on a disk the server may
// write and is as private as the data itself.
func BackupStaging(c config.Config) (string, error) {
	return filepath.Abs(c.Path(".backup-staging"))
}

// scheduledBackup is the daily job of FOOTFALL_BACKUP_DIR: a backup, then
// the ones FOOTFALL_BACKUP_KEEP_DAYS and FOOTFALL_BACKUP_KEEP_LAST let go
// are pruned. An s3:// destination is written locally first, uploaded,
// and the local copy removed.
func (a *App) scheduledBackup(ctx context.Context) error {
	key, err := a.BackupKey()
	if err != nil {
		return err
	}
	if backup.IsS3(a.Config.BackupDir) {
		return a.scheduledS3Backup(ctx, key)
	}
	dir, err := filepath.Abs(a.Config.BackupDir)
	if err != nil {
		return err
	}
	path, m, err := a.WriteBackup(ctx, dir, key)
	if err != nil {
		return err
	}
	a.Logger.Info("backup written", "path", path, "took", m.Took, "events", m.EventRows["events"], "encrypted", m.Encrypted)
	removed, err := backup.Prune(dir, BackupRetention(a.Config), time.Now())
	for _, p := range removed {
		a.Logger.Info("old backup removed", "path", p)
	}
	return err
}

func (a *App) scheduledS3Backup(ctx context.Context, key *backup.Key) error {
	bucket, err := backup.OpenS3(ctx, a.Config.BackupDir, S3Options(a.Config))
	if err != nil {
		return err
	}
	staging, err := BackupStaging(a.Config)
	if err != nil {
		return err
	}
	path, m, err := a.WriteBackup(ctx, staging, key)
	if err != nil {
		return err
	}
	defer os.RemoveAll(path)
	url, err := bucket.Upload(ctx, path)
	if err != nil {
		return err
	}
	a.Logger.Info("backup written", "path", url, "took", m.Took, "events", m.EventRows["events"], "encrypted", m.Encrypted)
	removed, err := bucket.Prune(ctx, BackupRetention(a.Config), time.Now())
	for _, p := range removed {
		a.Logger.Info("old backup removed", "path", p)
	}
	return err
}

// backupHandler serves `footfall backup` on the admin listener: the
// server holds the events database, so the copy is made here.
type backupHandler struct{ a *App }

func (h backupHandler) Backup(ctx context.Context, req web.BackupRequest) (web.BackupResponse, error) {
	dataDir, err := filepath.Abs(h.a.Config.DataDir)
	if err != nil {
		return web.BackupResponse{}, err
	}
	if req.DataDir != dataDir {
		return web.BackupResponse{}, fmt.Errorf("%w: this server's data directory is %s, not %s", web.ErrWrongServer, dataDir, req.DataDir)
	}
	key, err := h.a.BackupKey()
	if err != nil {
		return web.BackupResponse{}, err
	}
	if req.Recipient != "" {
		if key, err = backup.ParseKey(req.Recipient); err != nil {
			return web.BackupResponse{}, err
		}
	}
	path, m, err := h.a.WriteBackup(ctx, req.Dir, key)
	if err != nil {
		return web.BackupResponse{}, err
	}
	return web.BackupResponse{Path: path, Manifest: m}, nil
}

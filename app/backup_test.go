package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/backup"
	"github.com/footfallhq/footfall/app/config"
)

// TestScheduledBackup runs the daily job once: a new backup appears and a
// backup older than FOOTFALL_BACKUP_KEEP_DAYS goes.
func TestScheduledBackup(t *testing.T) {
	ctx := context.Background()
	backups := t.TempDir()
	old := filepath.Join(backups, "footfall-"+time.Now().UTC().AddDate(0, 0, -40).Format("20060102T150405Z"))
	if err := os.Mkdir(old, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "manifest.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir(), "FOOTFALL_BACKUP_DIR=" + backups, "FOOTFALL_BACKUP_KEEP_DAYS=30"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.OpenEventsStore(ctx); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, j := range a.jobs() {
		found = found || j.Name == "backup"
	}
	if !found {
		t.Fatal("FOOTFALL_BACKUP_DIR is set but no backup job is scheduled")
	}
	if err := a.scheduledBackup(ctx); err != nil {
		t.Fatalf("scheduledBackup: %v", err)
	}
	mfs, err := a.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var last float64
	for _, mf := range mfs {
		if mf.GetName() == "footfall_backup_last_success_timestamp_seconds" {
			last = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if since := time.Since(time.Unix(int64(last), 0)); since < 0 || since > time.Minute {
		t.Errorf("footfall_backup_last_success_timestamp_seconds = %v, want about now", last)
	}
	list, err := backup.List(backups)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Path == old {
		t.Errorf("backups after the job: %v, want one new one and the 40-day-old one pruned", list)
	}

	a.Config.BackupDir = ""
	for _, j := range a.jobs() {
		if j.Name == "backup" {
			t.Error("backup job scheduled without FOOTFALL_BACKUP_DIR")
		}
	}
}

// TestScheduledBackupEncrypted: with FOOTFALL_BACKUP_KEY holding only the
// public key, the job's files are age-encrypted.
func TestScheduledBackupEncrypted(t *testing.T) {
	ctx := context.Background()
	key, _, err := backup.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	backups := t.TempDir()
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir(), "FOOTFALL_BACKUP_DIR=" + backups, "FOOTFALL_BACKUP_KEY=" + key.Recipient()})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.OpenEventsStore(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.scheduledBackup(ctx); err != nil {
		t.Fatalf("scheduledBackup: %v", err)
	}
	list, err := backup.List(backups)
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v; want one backup", list, err)
	}
	m, err := backup.ReadManifest(list[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Encrypted || len(m.Files) == 0 {
		t.Errorf("manifest: encrypted %t, %d files; want encrypted files", m.Encrypted, len(m.Files))
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(list[0].Path, f.Name))
		if err != nil || !strings.HasPrefix(string(b), "age-encryption.org/v1") {
			t.Errorf("%s is not age-encrypted (%v)", f.Name, err)
		}
	}
}

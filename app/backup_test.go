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
	"github.com/footfallhq/footfall/app/backup/s3test"
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

// TestScheduledBackupS3: with FOOTFALL_BACKUP_DIR=s3://…, the daily job
// uploads an encrypted backup, leaves no local copy, and keeps
// FOOTFALL_BACKUP_KEEP_LAST backups.
func TestScheduledBackupS3(t *testing.T) {
	ctx := context.Background()
	srv := s3test.New(t, "backups")
	key, _, err := backup.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + data, "FOOTFALL_BACKUP_DIR=s3://backups/nightly",
		"FOOTFALL_BACKUP_KEY=" + key.Recipient(), "FOOTFALL_BACKUP_KEEP_LAST=1",
		"FOOTFALL_BACKUP_S3_ENDPOINT=" + srv.URL, "FOOTFALL_BACKUP_S3_PATH_STYLE=on", "FOOTFALL_BACKUP_S3_REGION=" + s3test.Region,
		"FOOTFALL_BACKUP_S3_ACCESS_KEY_ID=" + s3test.AccessKeyID, "FOOTFALL_BACKUP_S3_SECRET_ACCESS_KEY=" + s3test.SecretAccessKey})
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
	for range 2 {
		if err := a.scheduledBackup(ctx); err != nil {
			t.Fatalf("scheduledBackup: %v", err)
		}
		time.Sleep(1100 * time.Millisecond) // backups are named to the second
	}
	bucket, err := backup.OpenS3(ctx, cfg.BackupDir, S3Options(cfg))
	if err != nil {
		t.Fatal(err)
	}
	list, err := bucket.List(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("bucket after two runs with FOOTFALL_BACKUP_KEEP_LAST=1: %v, %v; want one backup", list, err)
	}
	for _, o := range srv.Objects(t, "backups") {
		if !strings.HasSuffix(o, ".age") && !strings.HasSuffix(o, "/manifest.json") {
			t.Errorf("%s uploaded unencrypted", o)
		}
	}
	staging, _ := BackupStaging(cfg)
	if des, _ := os.ReadDir(staging); len(des) != 0 {
		t.Errorf("local copies left in %s: %v", staging, des)
	}

	// Wrong credentials: the job fails with a sentence, not a stack of XML.
	a.Config.BackupS3Secret = "wrong"
	if err := a.scheduledBackup(ctx); err == nil || !strings.Contains(err.Error(), "credentials were refused") {
		t.Errorf("scheduledBackup with a wrong secret: %v", err)
	}
}

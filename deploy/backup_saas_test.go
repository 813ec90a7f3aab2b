package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool skips without the tool, except under CI=true, where it fails.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
}

func TestBackupSaaSShellcheck(t *testing.T) {
	needTool(t, "shellcheck")
	if out, err := exec.Command("shellcheck", "--shell=sh", "backup-saas.sh").CombinedOutput(); err != nil {
		t.Errorf("shellcheck backup-saas.sh: %v\n%s", err, out)
	}
}

// TestBackupSaaS runs the script against the test PostgreSQL and Redis
// (ClickHouse's BACKUP needs a backup disk in the server's configuration,
// which the test server lacks; that part is left to shellcheck and review).
func TestBackupSaaS(t *testing.T) {
	pg, rd := os.Getenv("FOOTFALL_TEST_POSTGRES_URL"), os.Getenv("FOOTFALL_TEST_REDIS_URL")
	if pg == "" || rd == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FOOTFALL_TEST_POSTGRES_URL and FOOTFALL_TEST_REDIS_URL are required under CI")
		}
		t.Skip("FOOTFALL_TEST_POSTGRES_URL / FOOTFALL_TEST_REDIS_URL not set")
	}
	needTool(t, "pg_dump")
	needTool(t, "redis-cli")
	out := t.TempDir()
	cmd := exec.Command("sh", "backup-saas.sh", out)
	cmd.Env = append(os.Environ(), "FOOTFALL_DATABASE_URL="+pg, "FOOTFALL_REDIS_URL="+rd, "FOOTFALL_EVENTS_URL=")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("backup-saas.sh: %v\n%s", err, b)
	}
	dir := strings.TrimSpace(string(b))
	if filepath.Dir(dir) != out || !strings.HasPrefix(filepath.Base(dir), "footfall-saas-") {
		t.Fatalf("printed %q, want a footfall-saas-… directory in %s", dir, out)
	}
	for _, f := range []string{"app.dump", "redis.rdb", "MANIFEST"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v (size %v)", f, err, st)
		}
	}
	// The dump is one pg_restore can read.
	if out, err := exec.Command("pg_restore", "--list", filepath.Join(dir, "app.dump")).CombinedOutput(); err != nil {
		t.Errorf("pg_restore --list: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "redis.rdb")); !strings.HasPrefix(string(b), "REDIS") {
		t.Errorf("redis.rdb does not start like an RDB file")
	}
	// Without the database URL it refuses, leaving nothing behind.
	cmd = exec.Command("sh", "backup-saas.sh", out)
	cmd.Env = append(os.Environ(), "FOOTFALL_DATABASE_URL=sqlite:///tmp/x.db")
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "not PostgreSQL") {
		t.Errorf("with a SQLite URL: %v %s", err, b)
	}
	if des, _ := os.ReadDir(out); len(des) != 1 {
		t.Errorf("%s holds %d entries, want only the one backup", out, len(des))
	}
}

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/app/backup"
	"github.com/footfallhq/footfall/app/backup/s3test"
	"github.com/footfallhq/footfall/app/cli"
)

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// runEnv executes a footfall command in process with extra environment
// and returns its exit code, stdout and stderr.
func runEnv(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(&cli.Env{
		Args: args, Environ: env, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Assets: assets(),
		Build: cli.Build{Version: version, Commit: commit, Date: date},
	})
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, env []string, args ...string) string {
	t.Helper()
	code, out, errOut := runEnv(t, env, args...)
	if code != 0 {
		t.Fatalf("footfall %v = exit %d: %s%s", args, code, out, errOut)
	}
	return out
}

// serveWith runs `footfall serve` in a subprocess with env and returns its
// public URL once it serves.
func serveWith(t *testing.T, env []string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(append(os.Environ(), "FOOTFALL_TEST_MAIN=1", "FOOTFALL_ADDR=127.0.0.1:0", "FOOTFALL_LOG_LEVEL=warn"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Footfall is running: open "); ok {
				urls <- u
			}
		}
	}()
	select {
	case u := <-urls:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start within 30s")
	}
	return ""
}

// statsQueries are answered by the original and the restored installation
// alike.
var statsQueries = []string{
	`{"site_id":"crash.example","metrics":["visitors","visits","pageviews","events"],"date_range":"all"}`,
	`{"site_id":"other.example","metrics":["visitors","visits","pageviews","events"],"date_range":"all"}`,
	`{"site_id":"crash.example","metrics":["visitors","pageviews"],"date_range":"all","dimensions":["event:page"]}`,
	`{"site_id":"crash.example","metrics":["visitors"],"date_range":"all","dimensions":["visit:source"]}`,
	`{"site_id":"other.example","metrics":["visitors"],"date_range":"all","dimensions":["visit:country"]}`,
}

// stats runs statsQueries against a server, with a key stored in its app
// database (restored along with it).
func stats(t *testing.T, url, key string) []string {
	t.Helper()
	var out []string
	for _, q := range statsQueries {
		req, _ := http.NewRequest("POST", url+"/api/v2/query", strings.NewReader(q))
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("query %s: %s %s", q, res.Status, b)
		}
		// Drop the per-request parts (query echo with resolved dates is
		// stable; timing fields, if any, are not).
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		delete(v, "meta")
		norm, _ := json.Marshal(v)
		out = append(out, string(norm))
	}
	return out
}

// TestBackupRestoreSameStats seeds two sites, backs up (directly, then
// through a running server, encrypted), restores each into a fresh data
// directory and expects the same answers to the same queries.
func TestBackupRestoreSameStats(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped with -short")
	}
	dir, key := setup(t)
	admin := freeAddr(t)
	env := []string{"FOOTFALL_DATA_DIR=" + dir, "FOOTFALL_ADMIN_ADDR=" + admin}
	mustRun(t, env, "site", "add", "other.example")
	mustRun(t, env, "seed", "--site", "crash.example", "--events", "3000", "--days", "20")
	mustRun(t, env, "seed", "--site", "other.example", "--events", "1200", "--days", "5")

	// No server: the backup opens the files itself.
	backups := t.TempDir()
	out := mustRun(t, env, "backup", "--out", backups)
	if !strings.Contains(out, "backup written directly") {
		t.Errorf("backup without a server: %q, want it written directly", out)
	}

	fresh := filepath.Join(t.TempDir(), "restored")
	freshEnv := []string{"FOOTFALL_DATA_DIR=" + fresh, "FOOTFALL_ADMIN_ADDR=" + freeAddr(t)}
	out = mustRun(t, freshEnv, "restore", "--from", backups)
	if !strings.Contains(out, "4200 events in 2 sites") {
		t.Errorf("restore: %q, want 4200 events in 2 sites", out)
	}

	// Restoring over it again is refused without --force.
	if code, _, errOut := runEnv(t, freshEnv, "restore", "--from", backups); code != 1 || !strings.Contains(errOut, "already holds") {
		t.Errorf("restore into a used data dir = exit %d, %q; want 1 and a refusal", code, errOut)
	}

	// Encrypted, through the running server that holds the events database.
	origURL := serveWith(t, env)
	_, identity, err := backup.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "backup.key")
	if err := os.WriteFile(keyFile, []byte("# created by the test\n"+identity+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	served := t.TempDir()
	// With the admin listener off, nothing can ask the server: a clear
	// refusal, not a lock error.
	offEnv := []string{"FOOTFALL_DATA_DIR=" + dir, "FOOTFALL_ADMIN_ADDR=off"}
	if code, _, errOut := runEnv(t, offEnv, "backup", "--out", t.TempDir()); code != 1 || !strings.Contains(errOut, "FOOTFALL_BACKUP_DIR") {
		t.Errorf("backup with the server running and FOOTFALL_ADMIN_ADDR=off = exit %d, %q; want 1 and advice", code, errOut)
	}
	out = mustRun(t, env, "backup", "--out", served, "--key-file", keyFile)
	if !strings.Contains(out, "through the running server") || !strings.Contains(out, "encrypted: true") {
		t.Errorf("backup with a server: %q, want it through the server, encrypted", out)
	}
	list, err := backup.List(served)
	if err != nil || len(list) != 1 {
		t.Fatalf("List(%s) = %v, %v; want one backup", served, list, err)
	}
	m, err := backup.ReadManifest(list[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		if !strings.HasSuffix(f.Name, ".age") {
			t.Errorf("encrypted backup holds %s in the clear", f.Name)
		}
	}
	want := stats(t, origURL, key)

	fresh2 := filepath.Join(t.TempDir(), "restored2")
	env2 := []string{"FOOTFALL_DATA_DIR=" + fresh2, "FOOTFALL_ADMIN_ADDR=" + freeAddr(t)}
	if code, _, errOut := runEnv(t, env2, "restore", "--from", served); code == 0 || !strings.Contains(errOut, "encrypted") {
		t.Errorf("restore of an encrypted backup without the key = exit %d, %q; want a refusal naming the key", code, errOut)
	}
	mustRun(t, env2, "restore", "--from", served, "--key-file", keyFile)

	for name, e := range map[string][]string{"plain, direct": freshEnv, "encrypted, through the server": env2} {
		got := stats(t, serveWith(t, e), key)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stats after restoring the %s backup differ (-original +restored):\n%s", name, diff)
		}
	}
}

// TestS3BackupRestoreSameStats: `footfall backup --out s3://…` through the
// running server, then `footfall restore --from s3://…` into a fresh data
// directory, against an S3-protocol server: the same answers to the same
// queries. Wrong credentials and a missing bucket fail with a sentence.
func TestS3BackupRestoreSameStats(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped with -short")
	}
	srv := s3test.New(t, "backups")
	s3env := []string{"FOOTFALL_BACKUP_S3_ENDPOINT=" + srv.URL, "FOOTFALL_BACKUP_S3_PATH_STYLE=on", "FOOTFALL_BACKUP_S3_REGION=" + s3test.Region,
		"FOOTFALL_BACKUP_S3_ACCESS_KEY_ID=" + s3test.AccessKeyID, "FOOTFALL_BACKUP_S3_SECRET_ACCESS_KEY=" + s3test.SecretAccessKey}
	dir, key := setup(t)
	env := append([]string{"FOOTFALL_DATA_DIR=" + dir, "FOOTFALL_ADMIN_ADDR=" + freeAddr(t)}, s3env...)
	mustRun(t, env, "site", "add", "other.example")
	mustRun(t, env, "seed", "--site", "crash.example", "--events", "2000", "--days", "10")
	mustRun(t, env, "seed", "--site", "other.example", "--events", "500", "--days", "5")
	origURL := serveWith(t, env)
	want := stats(t, origURL, key)

	_, identity, err := backup.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	encEnv := append(slices.Clone(env), "FOOTFALL_BACKUP_KEY="+identity)
	out := mustRun(t, encEnv, "backup", "--out", "s3://backups/footfall")
	if !strings.Contains(out, "through the running server") || !strings.Contains(out, "s3://backups/footfall/footfall-") || !strings.Contains(out, "encrypted: true") {
		t.Errorf("backup to S3: %q", out)
	}
	if des, _ := os.ReadDir(filepath.Join(dir, ".backup-staging")); len(des) != 0 {
		t.Errorf("the local copy of the S3 backup was left: %v", des)
	}

	for _, c := range []struct {
		name string
		env  []string
		out  string
		want string
	}{
		{"wrong secret", []string{"FOOTFALL_BACKUP_S3_SECRET_ACCESS_KEY=wrong"}, "s3://backups/footfall", "credentials were refused"},
		{"missing bucket", nil, "s3://nosuch/footfall", `the bucket "nosuch" does not exist`},
	} {
		e := append(slices.Clone(env), c.env...)
		if code, _, errOut := runEnv(t, e, "backup", "--out", c.out); code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("backup with %s = exit %d, %q; want 1 and %q", c.name, code, errOut, c.want)
		}
		if code, _, errOut := runEnv(t, e, "restore", "--from", c.out, "--data", t.TempDir()); code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("restore with %s = exit %d, %q; want 1 and %q", c.name, code, errOut, c.want)
		}
	}

	fresh := filepath.Join(t.TempDir(), "restored")
	freshEnv := append([]string{"FOOTFALL_DATA_DIR=" + fresh, "FOOTFALL_ADMIN_ADDR=" + freeAddr(t), "FOOTFALL_BACKUP_KEY=" + identity}, s3env...)
	out = mustRun(t, freshEnv, "restore", "--from", "s3://backups/footfall")
	if !strings.Contains(out, "2500 events in 2 sites") {
		t.Errorf("restore from S3: %q, want 2500 events in 2 sites", out)
	}
	if got := stats(t, serveWith(t, freshEnv), key); !slices.Equal(got, want) {
		t.Errorf("stats after restoring from S3 differ:\n%s", cmp.Diff(want, got))
	}
}

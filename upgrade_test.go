package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestNewerDataDirRefused: a data directory last opened by a newer footfall
// (its events schema one version ahead) makes the server and migrate
// refuse with a message that says to upgrade, and leaves the data alone.
func TestNewerDataDirRefused(t *testing.T) {
	dir := t.TempDir()
	env := []string{"FOOTFALL_DATA_DIR=" + dir, "FOOTFALL_ADMIN_ADDR=off", "FOOTFALL_ADDR=127.0.0.1:0"}
	mustRun(t, env, "migrate")

	path := filepath.Join(dir, "events.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_version (version, name) SELECT max(version) + 1, 'from_a_newer_release.sql' FROM schema_version"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"migrate", "serve"} {
		code, _, errOut := runEnv(t, env, cmd)
		if code != 1 || !strings.Contains(errOut, "newer than this binary") || !strings.Contains(errOut, "upgrade footfall") {
			t.Errorf("footfall %s on a newer data dir = exit %d, %q; want exit 1 and advice to upgrade", cmd, code, errOut)
		}
	}
}

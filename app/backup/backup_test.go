package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/sqlite"
)

// install makes a small embedded installation: one site, a few events,
// a secret key.
func install(t *testing.T) (Source, Target) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	tg := Target{DataDir: dir, AppPath: filepath.Join(dir, "app.db"), EventsPath: filepath.Join(dir, "events.duckdb"),
		SecretPath: filepath.Join(dir, "secret.key")}
	app, err := sqlite.Open(ctx, tg.AppPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	if err := app.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	site, err := app.CreateSite(ctx, store.Site{Domain: "a.example", TimeZone: "UTC", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := duckdb.Open(ctx, tg.EventsPath, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	var events []store.Event
	for i := range 50 {
		events = append(events, store.Event{Timestamp: time.Date(2026, 5, 1, 0, i, 0, 0, time.UTC), SiteID: site.ID,
			VisitorID: uint64(i % 7), SessionID: uint64(i % 9), Name: "pageview", Hostname: "a.example", Pathname: "/",
			EntryPage: "/", Channel: "Direct", Device: "desktop", Screen: "desktop", ScrollDepth: -1})
	}
	if err := ev.Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tg.SecretPath, []byte(strings.Repeat("s", 64)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return Source{App: app, Events: ev, SecretPath: tg.SecretPath, Version: "test"}, tg
}

func freshTarget(t *testing.T) Target {
	dir := filepath.Join(t.TempDir(), "data")
	return Target{DataDir: dir, AppPath: filepath.Join(dir, "app.db"), EventsPath: filepath.Join(dir, "events.duckdb"),
		SecretPath: filepath.Join(dir, "secret.key")}
}

func TestWriteRestore(t *testing.T) {
	ctx := context.Background()
	src, orig := install(t)
	out := t.TempDir()
	path, m, err := Write(ctx, out, src, Options{})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if m.EventRows["events"] != 50 || m.AppRows["sites"] != 1 || m.EventsPerSite["1"] != 50 {
		t.Errorf("manifest counts: events %v, app %v, per site %v; want 50 events, 1 site", m.EventRows, m.AppRows, m.EventsPerSite)
	}
	if got, err := Resolve(out); err != nil || got != path {
		t.Errorf("Resolve(%s) = %s, %v; want %s", out, got, err, path)
	}
	tg := freshTarget(t)
	if _, err := Restore(ctx, path, tg, RestoreOptions{}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	want, _ := os.ReadFile(orig.SecretPath)
	if got, err := os.ReadFile(tg.SecretPath); err != nil || string(got) != string(want) {
		t.Errorf("restored secret key = %q, %v; want the original", got, err)
	}
	// A second restore into the same place is refused; with Force it moves
	// the restored files aside and succeeds.
	if _, err := Restore(ctx, path, tg, RestoreOptions{}); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("Restore into a used data dir = %v, want ErrNotEmpty", err)
	}
	if _, err := Restore(ctx, path, tg, RestoreOptions{Force: true}); err != nil {
		t.Fatalf("Restore with Force: %v", err)
	}
	aside, _ := filepath.Glob(filepath.Join(tg.DataDir, "pre-restore-*", "app.db"))
	if len(aside) != 1 {
		t.Errorf("after a forced restore, pre-restore copies of app.db: %v, want one", aside)
	}
}

func TestRestoreRefusesDamagedBackup(t *testing.T) {
	ctx := context.Background()
	src, _ := install(t)
	path, m, err := Write(ctx, t.TempDir(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(path, m.Files[0].Name)
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	tg := freshTarget(t)
	if _, err := Restore(ctx, path, tg, RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Restore of a damaged backup = %v, want an error naming the damage", err)
	}
	if _, err := os.Stat(tg.AppPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused restore left %s behind", tg.AppPath)
	}
}

func TestEncryptedBackup(t *testing.T) {
	ctx := context.Background()
	src, _ := install(t)
	key, identity, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	public, err := ParseKey(key.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	// Writing needs only the public half.
	path, m, err := Write(ctx, t.TempDir(), src, Options{Key: public})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(path, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "age-encryption.org/v1\n") {
			t.Errorf("%s is not an age file", f.Name)
		}
		if strings.Contains(string(b), "a.example") || strings.Contains(string(b), strings.Repeat("s", 64)) {
			t.Errorf("%s holds plaintext", f.Name)
		}
	}
	if _, err := Restore(ctx, path, freshTarget(t), RestoreOptions{Key: public}); err == nil {
		t.Error("Restore with only the recipient succeeded")
	}
	_, other, _ := GenerateKey()
	wrong, _ := ParseKey(other)
	if _, err := Restore(ctx, path, freshTarget(t), RestoreOptions{Key: wrong}); err == nil {
		t.Error("Restore with another identity succeeded")
	}
	full, err := ParseKey("# age-keygen output\n\n" + identity + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, path, freshTarget(t), RestoreOptions{Key: full}); err != nil {
		t.Errorf("Restore with the identity: %v", err)
	}
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	var names []string
	for _, age := range []int{40, 31, 29, 1} {
		name := prefix + now.AddDate(0, 0, -age).Format(stamp)
		names = append(names, name)
		if err := os.MkdirAll(filepath.Join(dir, name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, manifestName), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Not backups: left alone whatever their age.
	for _, other := range []string{"notes", prefix + "garbage", "." + names[0] + partial} {
		if err := os.Mkdir(filepath.Join(dir, other), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := Prune(dir, Retention{MaxAge: 30 * 24 * time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, names[0]), filepath.Join(dir, names[1])}
	if strings.Join(removed, ",") != strings.Join(want, ",") {
		t.Errorf("Prune removed %v, want %v", removed, want)
	}
	left, _ := List(dir)
	if len(left) != 2 {
		t.Errorf("after Prune, List = %v, want the two recent backups", left)
	}
	// Everything old: the newest is kept all the same.
	removed, _ = Prune(dir, Retention{MaxAge: time.Hour}, now)
	if left, _ := List(dir); len(removed) != 1 || len(left) != 1 || filepath.Base(left[0].Path) != names[3] {
		t.Errorf("Prune with everything expired removed %v, left %v; want the newest kept", removed, left)
	}
}

func TestRetention(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	var list []Entry
	for _, age := range []int{40, 31, 29, 2, 1} {
		list = append(list, Entry{Path: strconv.Itoa(age), Created: now.AddDate(0, 0, -age)})
	}
	for _, c := range []struct {
		r    Retention
		want string
	}{
		{Retention{}, ""},
		{Retention{MaxAge: 30 * 24 * time.Hour}, "40,31"},
		{Retention{Last: 2}, "40,31,29"},
		{Retention{Last: 4, MaxAge: 30 * 24 * time.Hour}, "40,31"},
		{Retention{Last: 4, MaxAge: 35 * 24 * time.Hour}, "40"},
		{Retention{Last: 1}, "40,31,29,2"},
		{Retention{MaxAge: time.Hour}, "40,31,29,2"}, // the newest stays
	} {
		var got []string
		for _, e := range c.r.expired(list, now) {
			got = append(got, e.Path)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%+v removes %v, want %s", c.r, got, c.want)
		}
	}
}

func TestParseKey(t *testing.T) {
	for _, bad := range []string{"", "# only a comment\n", "hunter2", "AGE-SECRET-KEY-1NOTBECH32", "age1nope"} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
}

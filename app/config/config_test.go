package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's config table")

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil)
	if err != nil {
		t.Fatalf("Load(nil) = %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.Addr != ":8000" || c.DataDir != "./data" || c.Mode != "selfhost" {
		t.Errorf("Load(nil) = %+v, want documented defaults", c)
	}
	if c.EventsURL != "duckdb://./data/events.duckdb" {
		t.Errorf("EventsURL = %q, want it inside the data dir", c.EventsURL)
	}
}

func TestLoadDataDirMovesDefaults(t *testing.T) {
	c, err := Load([]string{"FOOTFALL_DATA_DIR=/var/lib/footfall"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "sqlite:///var/lib/footfall/app.db" {
		t.Errorf("DatabaseURL = %q", c.DatabaseURL)
	}
	c.SetDataDir("/srv")
	if c.EventsURL != "duckdb:///srv/events.duckdb" || c.DataDir != "/srv" {
		t.Errorf("after SetDataDir: %q %q", c.DataDir, c.EventsURL)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "key")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"FOOTFALL_SECRET_KEY_FILE=" + secret, "FOOTFALL_RETENTION_DAYS=30"})
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKey != "0123456789abcdef0123456789abcdef" || c.RetentionDays != 30 {
		t.Errorf("Load = %q, %d", c.SecretKey, c.RetentionDays)
	}

	for _, env := range [][]string{
		{"FOOTFALL_SECRET_KEY=x", "FOOTFALL_SECRET_KEY_FILE=" + secret},
		{"FOOTFALL_SECRET_KEY_FILE=" + filepath.Join(dir, "missing")},
		{"FOOTFALL_RETENTION_DAYS=lots"},
	} {
		if _, err := Load(env); err == nil {
			t.Errorf("Load(%q) succeeded, want an error", env)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		env  []string
		want string // substring of the error; "" = valid
	}{
		{[]string{"FOOTFALL_MODE=saas"}, "missing: FOOTFALL_EVENTS_URL=clickhouse://…, FOOTFALL_DATABASE_URL=postgres://…, FOOTFALL_REDIS_URL=redis://…"},
		{[]string{"FOOTFALL_MODE=saas", "FOOTFALL_EVENTS_URL=clickhouse://h:9000/db", "FOOTFALL_DATABASE_URL=postgres://u@h/db", "FOOTFALL_REDIS_URL=redis://h:6379"}, "needs FOOTFALL_SECRET_KEY"},
		{[]string{"FOOTFALL_MODE=saas", "FOOTFALL_EVENTS_URL=clickhouse://h:9000/db", "FOOTFALL_DATABASE_URL=postgres://u@h/db", "FOOTFALL_REDIS_URL=redis://h:6379",
			"FOOTFALL_SECRET_KEY=0123456789abcdef0123456789abcdef"}, ""},
		{[]string{"FOOTFALL_MODE=cloud"}, "must be selfhost or saas"},
		{[]string{"FOOTFALL_ADDR=8000"}, "FOOTFALL_ADDR"},
		{[]string{"FOOTFALL_EVENTS_URL=mysql://x"}, "FOOTFALL_EVENTS_URL"},
		{[]string{"FOOTFALL_REGISTRATION=maybe"}, "FOOTFALL_REGISTRATION"},
		{[]string{"FOOTFALL_ADMIN_2FA=yes"}, "FOOTFALL_ADMIN_2FA"},
		{[]string{"FOOTFALL_ADMIN_2FA=required"}, ""},
		{[]string{"FOOTFALL_TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.1"}, ""},
		{[]string{"FOOTFALL_TRUSTED_PROXIES=10.0.0.0/33"}, "FOOTFALL_TRUSTED_PROXIES"},
		{[]string{"FOOTFALL_DOMAIN=https://stats.example.com"}, "bare host name"},
		{[]string{"FOOTFALL_DOMAIN=stats.example.com"}, ""},
		{[]string{"FOOTFALL_BASE_URL=localhost:8000"}, "FOOTFALL_BASE_URL"},
		{[]string{"FOOTFALL_LOG_LEVEL=loud", "FOOTFALL_LOG_FORMAT=xml"}, "FOOTFALL_LOG_FORMAT"},
		{[]string{"FOOTFALL_SECRET_KEY=short"}, "at least 32"},
		{[]string{"FOOTFALL_RETENTION_DAYS=-1"}, "negative"},
	}
	for _, tt := range tests {
		c, err := Load(tt.env)
		if err != nil {
			t.Fatalf("Load(%q) = %v", tt.env, err)
		}
		err = c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(%q) = %v, want nil", tt.env, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Validate(%q) = %v, want an error containing %q", tt.env, err, tt.want)
		}
	}
}

func TestRedacted(t *testing.T) {
	c, err := Load([]string{
		"FOOTFALL_SECRET_KEY=0123456789abcdef0123456789abcdef",
		"FOOTFALL_DATABASE_URL=postgres://app:hunter2@db:5432/footfall?sslmode=disable",
		"FOOTFALL_SMTP_URL=smtp://mailer:pa55@mail:587",
		"FOOTFALL_STRIPE_SECRET_KEY=sk_test_123",
	})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Redacted()
	var all strings.Builder
	for _, p := range r.Pairs() {
		all.WriteString(p[0] + "=" + p[1] + "\n")
	}
	for _, secret := range []string{"0123456789abcdef", "hunter2", "pa55", "sk_test_123"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("Redacted() still shows %q:\n%s", secret, all.String())
		}
	}
	if !strings.Contains(all.String(), "postgres://app:redacted@db:5432/footfall") {
		t.Errorf("Redacted() lost the non-secret parts of the URL:\n%s", all.String())
	}
	if c.SecretKey == r.SecretKey {
		t.Error("Redacted() changed the original")
	}
}

// TestREADMETable keeps the README's configuration table generated from
// the struct; run with -update to rewrite it.
func TestREADMETable(t *testing.T) {
	const start, end = "<!-- config:start -->\n", "<!-- config:end -->"
	path := filepath.Join("..", "..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q section", strings.TrimSpace(start), end)
	}
	want := Markdown()
	got := readme[i+len(start) : j]
	if got == want {
		return
	}
	if *update {
		readme = readme[:i+len(start)] + want + readme[j:]
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md config table is stale; run go test ./app/config -update\ngot:\n%s\nwant:\n%s", got, want)
}

// Package config loads Footfall's configuration from the environment: one
// struct, every variable also settable as NAME_FILE (for Docker and
// Kubernetes secrets), validated as a whole so contradictions are caught at
// start, and printable with secrets redacted.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
)

// Config is the effective configuration. Field tags are the contract:
// env names the variable, def its default, secret marks values Redacted
// hides, help is the sentence shown in the README and in `footfall config`.
type Config struct {
	Addr     string `env:"FOOTFALL_ADDR" def:":8000" help:"HTTP listen address (plain HTTP; behind a proxy or for local use)"`
	DataDir  string `env:"FOOTFALL_DATA_DIR" def:"./data" help:"where embedded databases, the WAL, backups and certificates live"`
	BaseURL  string `env:"FOOTFALL_BASE_URL" def:"http://localhost:8000" help:"public URL (links in mail, tracker snippet)"`
	Domain   string `env:"FOOTFALL_DOMAIN" help:"set it and the binary serves HTTPS on :443 with autocert; :80 redirects and answers ACME"`
	ACMEMail string `env:"FOOTFALL_ACME_EMAIL" help:"ACME account contact"`
	ACMEURL  string `env:"FOOTFALL_ACME_DIRECTORY_URL" def:"https://acme-v02.api.letsencrypt.org/directory" help:"ACME directory (Let's Encrypt; override for staging or pebble)"`
	TLSAddr  string `env:"FOOTFALL_TLS_ADDR" def:":443" help:"HTTPS listen address when FOOTFALL_DOMAIN is set"`
	HTTPAddr string `env:"FOOTFALL_ACME_HTTP_ADDR" def:":80" help:"HTTP listen address for ACME challenges and the redirect to HTTPS when FOOTFALL_DOMAIN is set"`

	EventsURL             string `env:"FOOTFALL_EVENTS_URL" def:"duckdb://$DATA/events.duckdb" help:"events store: duckdb://PATH or clickhouse://host:9000/db"`
	DatabaseURL           string `env:"FOOTFALL_DATABASE_URL" def:"sqlite://$DATA/app.db" secret:"url" help:"app data: sqlite://PATH or postgres://..."`
	RedisURL              string `env:"FOOTFALL_REDIS_URL" secret:"url" help:"redis://... for queue, cache, limiter, job lock (default: in-process)"`
	ReplicaName           string `env:"FOOTFALL_REPLICA_NAME" help:"this replica's name in the Redis consumer group; unique per running replica, stable across its restarts (default: the host name)"`
	QueueClaimIdleSeconds int    `env:"FOOTFALL_QUEUE_CLAIM_IDLE_SECONDS" def:"60" help:"with Redis: seconds a dead replica's unstored events wait before another replica takes them over"`

	DuckDBMemoryLimit string `env:"FOOTFALL_DUCKDB_MEMORY_LIMIT" def:"256MB" help:"DuckDB memory_limit (keep it well under the machine's RAM)"`
	DuckDBThreads     int    `env:"FOOTFALL_DUCKDB_THREADS" def:"0" help:"DuckDB worker threads (0 = one per core)"`

	QueueMaxEvents int `env:"FOOTFALL_QUEUE_MAX_EVENTS" def:"200000" help:"acknowledged events waiting for the events store, at most; beyond it ingestion answers 503 + Retry-After"`
	QueueMinFreeMB int `env:"FOOTFALL_QUEUE_MIN_FREE_MB" def:"64" help:"free disk space (MiB) the queue keeps; below it ingestion answers 503 + Retry-After (0 = no check)"`

	Mode         string `env:"FOOTFALL_MODE" def:"selfhost" help:"selfhost, or saas: public signup, plans, quotas, billing; needs the three server backends"`
	SecretKey    string `env:"FOOTFALL_SECRET_KEY" secret:"yes" help:"derives the first-run setup token and the key that encrypts two-factor secrets; keep it, and share it between replicas (default: generated once into the data dir)"`
	Registration string `env:"FOOTFALL_REGISTRATION" def:"invite" help:"who may sign up at /api/auth/signup: open, invite (invitations only) or closed; the owner is always created through the first-run setup"`
	AdminTOTP    string `env:"FOOTFALL_ADMIN_2FA" def:"optional" help:"required: administrators use nothing but their account settings (and their API keys do not work) until they turn on two-factor sign-in; optional: each user decides"`

	SMTPURL  string `env:"FOOTFALL_SMTP_URL" secret:"url" help:"smtp://user:pass@host:587 (STARTTLS; required unless the host is local or ?tls=none|opportunistic) or smtps://user:pass@host:465 (default: mail is logged, not sent)"`
	MailFrom string `env:"FOOTFALL_MAIL_FROM" help:"sender of outgoing mail, e.g. Footfall <stats@example.com> (default: footfall@ the host of FOOTFALL_BASE_URL)"`

	TrustedProxies string `env:"FOOTFALL_TRUSTED_PROXIES" def:"127.0.0.0/8,::1/128" help:"comma-separated CIDRs whose X-Forwarded-For / CF-Connecting-IP are believed"`
	GeoIPPath      string `env:"FOOTFALL_GEOIP_PATH" help:"an operator-supplied MMDB (e.g. GeoLite2-City) for region and city (default: shipped country database)"`

	StripeSecretKey     string `env:"FOOTFALL_STRIPE_SECRET_KEY" secret:"yes" help:"Stripe API key (saas mode)"`
	StripeWebhookSecret string `env:"FOOTFALL_STRIPE_WEBHOOK_SECRET" secret:"yes" help:"Stripe webhook signing secret"`
	StripeAPIURL        string `env:"FOOTFALL_STRIPE_API_URL" help:"Stripe API base URL override (stripe-mock)"`
	StripePrices        string `env:"FOOTFALL_STRIPE_PRICES" help:"Stripe price ids of the paid plans (saas mode): basic:month=price_...,basic:year=price_...,premium:month=...,premium:year=..."`
	BillingGraceDays    int    `env:"FOOTFALL_BILLING_GRACE_DAYS" def:"7" help:"days an account over its plan's monthly events keeps ingesting before its sites' events are refused (saas mode)"`
	SentryDSN           string `env:"FOOTFALL_SENTRY_DSN" secret:"url" help:"optional error reporting: errors logged at error level and recovered panics go to this Sentry (or GlitchTip) DSN, without IPs, cookies, headers or bodies"`
	SentryEnvironment   string `env:"FOOTFALL_SENTRY_ENVIRONMENT" def:"production" help:"the environment Sentry files reports under"`

	AdminAddr    string `env:"FOOTFALL_ADMIN_ADDR" def:"127.0.0.1:8001" help:"private listener for /metrics and /debug/pprof (off = none)"`
	APIRateLimit int    `env:"FOOTFALL_API_RATE_LIMIT" def:"600" help:"API requests per hour per API key (stats, funnels, sites); beyond it 429 + Retry-After (0 = no limit)"`

	MetricsToken string `env:"FOOTFALL_METRICS_TOKEN" secret:"yes" help:"if set, /metrics is also served on the public listener to holders of this Bearer token"`
	LogFormat    string `env:"FOOTFALL_LOG_FORMAT" help:"text or json (default: text on a terminal, else json)"`
	LogLevel     string `env:"FOOTFALL_LOG_LEVEL" def:"info" help:"debug, info, warn or error"`

	RetentionDays int `env:"FOOTFALL_RETENTION_DAYS" def:"0" help:"raw event retention in days (0 = keep forever)"`

	BackupDir       string `env:"FOOTFALL_BACKUP_DIR" help:"set it (a directory or s3://bucket/prefix) and the server writes a backup there every day at 03:00 UTC (default: no scheduled backups)"`
	JobHeartbeatURL string `env:"FOOTFALL_JOB_HEARTBEAT_URL" help:"outside watcher pinged around every scheduled job run: a URL with {job}, e.g. https://hc-ping.com/PING-KEY/{job} (/start, /fail appended)"`
	BackupKeepDays  int    `env:"FOOTFALL_BACKUP_KEEP_DAYS" def:"30" help:"scheduled backups older than this many days are deleted after a successful one (0 = keep all)"`
	BackupKey       string `env:"FOOTFALL_BACKUP_KEY" secret:"yes" help:"encrypt backups: an age recipient (age1...) or identity (AGE-SECRET-KEY-1...); restore needs the identity"`
	BackupKeepLast  int    `env:"FOOTFALL_BACKUP_KEEP_LAST" def:"0" help:"also delete all but this many newest scheduled backups (0 = no count limit)"`

	// S3 backups: FOOTFALL_BACKUP_DIR=s3://bucket/prefix. Empty values fall
	// back to the usual AWS_* variables.
	BackupS3Endpoint  string `env:"FOOTFALL_BACKUP_S3_ENDPOINT" help:"S3-compatible endpoint for s3:// backups, e.g. https://ACCOUNT.r2.cloudflarestorage.com or http://minio:9000 (default: AWS_ENDPOINT_URL_S3, else AWS S3)"`
	BackupS3Region    string `env:"FOOTFALL_BACKUP_S3_REGION" help:"region of the backup bucket (default: AWS_REGION, else asked of the endpoint)"`
	BackupS3AccessKey string `env:"FOOTFALL_BACKUP_S3_ACCESS_KEY_ID" help:"access key id for s3:// backups (default: AWS_ACCESS_KEY_ID, then ~/.aws/credentials)"`
	BackupS3Secret    string `env:"FOOTFALL_BACKUP_S3_SECRET_ACCESS_KEY" secret:"yes" help:"secret access key for s3:// backups (default: AWS_SECRET_ACCESS_KEY)"`
	BackupS3PathStyle string `env:"FOOTFALL_BACKUP_S3_PATH_STYLE" def:"auto" help:"on: https://host/bucket/key (MinIO and most self-hosted stores); off: https://bucket.host/key; auto: virtual-host on AWS, path elsewhere"`

	// Alerts and reports (app/alerts, app/reports).
	AlertsAllowPrivate    string `env:"FOOTFALL_ALERTS_ALLOW_PRIVATE" def:"false" help:"true: alert webhooks may reach private, loopback and link-local addresses (a receiver on your own network); false refuses them (SSRF guard)"`
	OperatorEmail         string `env:"FOOTFALL_OPERATOR_EMAIL" help:"comma-separated addresses for job alerts and the daily staff digest (default: every administrator)"`
	OperatorWebhookURL    string `env:"FOOTFALL_OPERATOR_WEBHOOK_URL" secret:"yes" help:"job alerts also go to this Slack incoming webhook (hooks.slack.com) or signed JSON webhook"`
	OperatorWebhookSecret string `env:"FOOTFALL_OPERATOR_WEBHOOK_SECRET" secret:"yes" help:"signs FOOTFALL_OPERATOR_WEBHOOK_URL's requests (X-Footfall-Signature)"`
}

// Var describes one configuration variable.
type Var struct {
	Env, Default, Help string
	Secret             bool
	field              int
}

// Vars lists every variable in declaration order.
func Vars() []Var {
	t := reflect.TypeFor[Config]()
	vars := make([]Var, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		vars = append(vars, Var{
			Env:     f.Tag.Get("env"),
			Default: f.Tag.Get("def"),
			Help:    f.Tag.Get("help"),
			Secret:  f.Tag.Get("secret") != "",
			field:   i,
		})
	}
	return vars
}

// Load reads the configuration from environ (as os.Environ returns it),
// applying defaults. For each variable NAME, NAME_FILE names a file whose
// contents (trailing newline trimmed) are the value; setting both is an
// error. Load does not validate: call Validate.
func Load(environ []string) (Config, error) {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	var c Config
	rv := reflect.ValueOf(&c).Elem()
	for _, v := range Vars() {
		val, err := lookup(env, v.Env)
		if err != nil {
			return Config{}, err
		}
		if val == "" {
			val = v.Default
		}
		f := rv.Field(v.field)
		switch f.Kind() {
		case reflect.String:
			f.SetString(val)
		case reflect.Int:
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil {
				return Config{}, fmt.Errorf("%s: %q is not a whole number", v.Env, val)
			}
			f.SetInt(int64(n))
		}
	}
	c.resolveData()
	return c, nil
}

func lookup(env map[string]string, name string) (string, error) {
	val, direct := env[name]
	file, viaFile := env[name+"_FILE"]
	switch {
	case direct && viaFile && val != "" && file != "":
		return "", fmt.Errorf("both %s and %s_FILE are set: use one", name, name)
	case viaFile && file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return val, nil
}

// SetDataDir changes the data directory (the --data flag) and re-derives
// the defaults that live inside it.
func (c *Config) SetDataDir(dir string) {
	old := c.DataDir
	c.DataDir = dir
	for _, p := range []*string{&c.EventsURL, &c.DatabaseURL} {
		*p = strings.Replace(*p, "://"+old+"/", "://"+dir+"/", 1)
	}
}

// resolveData expands $DATA in the store URLs, so the defaults follow
// FOOTFALL_DATA_DIR.
func (c *Config) resolveData() {
	for _, p := range []*string{&c.EventsURL, &c.DatabaseURL} {
		*p = strings.ReplaceAll(*p, "$DATA", c.DataDir)
	}
}

// Path returns a path inside the data directory.
func (c Config) Path(name ...string) string {
	return filepath.Join(append([]string{c.DataDir}, name...)...)
}

// AdminEnabled reports whether the private admin listener runs.
func (c Config) AdminEnabled() bool { return c.AdminAddr != "" && c.AdminAddr != "off" }

// AlertsPrivateAllowed reports whether FOOTFALL_ALERTS_ALLOW_PRIVATE lets
// webhooks reach private addresses.
func (c Config) AlertsPrivateAllowed() bool { return c.AlertsAllowPrivate == "true" }

// SaaS reports whether the hosted multi-tenant mode is on.
func (c Config) SaaS() bool { return c.Mode == "saas" }

// Redacted returns a copy safe to print: secrets replaced, passwords in
// URLs hidden.
func (c Config) Redacted() Config {
	rv := reflect.ValueOf(&c).Elem()
	t := rv.Type()
	for i := range t.NumField() {
		f := rv.Field(i)
		if f.Kind() != reflect.String || f.String() == "" {
			continue
		}
		switch t.Field(i).Tag.Get("secret") {
		case "yes":
			f.SetString("[redacted]")
		case "url":
			f.SetString(redactURL(f.String()))
		}
	}
	return c
}

// Pairs returns (variable, value) pairs in declaration order, for printing.
func (c Config) Pairs() [][2]string {
	rv := reflect.ValueOf(c)
	var out [][2]string
	for _, v := range Vars() {
		out = append(out, [2]string{v.Env, fmt.Sprint(rv.Field(v.field).Interface())})
	}
	return out
}

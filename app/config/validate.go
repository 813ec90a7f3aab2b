package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// Validate reports every contradiction or malformed value at once, each as
// a sentence naming the variable, so an operator fixes them in one go.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.Addr == "" {
		bad("FOOTFALL_ADDR must not be empty")
	} else if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("FOOTFALL_ADDR %q is not host:port (e.g. :8000)", c.Addr)
	}
	if c.AdminEnabled() {
		if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
			bad("FOOTFALL_ADMIN_ADDR %q is not host:port (e.g. 127.0.0.1:8001) or off", c.AdminAddr)
		}
	}
	if c.DataDir == "" {
		bad("FOOTFALL_DATA_DIR must not be empty")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("FOOTFALL_BASE_URL %q must be an absolute http(s) URL", c.BaseURL)
	}
	if c.Domain != "" {
		if strings.Contains(c.Domain, "://") || strings.ContainsAny(c.Domain, "/: ") || !strings.Contains(c.Domain, ".") {
			bad("FOOTFALL_DOMAIN %q must be a bare host name such as stats.example.com", c.Domain)
		}
		if u, err := url.Parse(c.ACMEURL); err != nil || u.Scheme != "https" {
			bad("FOOTFALL_ACME_DIRECTORY_URL %q must be an https URL", c.ACMEURL)
		}
	}
	if c.ACMEMail != "" && !strings.Contains(c.ACMEMail, "@") {
		bad("FOOTFALL_ACME_EMAIL %q is not an email address", c.ACMEMail)
	}

	events := scheme(c.EventsURL)
	if events != "duckdb" && events != "clickhouse" {
		bad("FOOTFALL_EVENTS_URL %q must start with duckdb:// or clickhouse://", c.EventsURL)
	}
	database := scheme(c.DatabaseURL)
	if database != "sqlite" && database != "postgres" && database != "postgresql" {
		bad("FOOTFALL_DATABASE_URL must start with sqlite:// or postgres://")
	}
	if c.RedisURL != "" && scheme(c.RedisURL) != "redis" && scheme(c.RedisURL) != "rediss" {
		bad("FOOTFALL_REDIS_URL must start with redis:// or rediss://")
	}
	switch c.Mode {
	case "selfhost":
	case "saas":
		var missing []string
		if events != "clickhouse" {
			missing = append(missing, "FOOTFALL_EVENTS_URL=clickhouse://…")
		}
		if database != "postgres" && database != "postgresql" {
			missing = append(missing, "FOOTFALL_DATABASE_URL=postgres://…")
		}
		if c.RedisURL == "" {
			missing = append(missing, "FOOTFALL_REDIS_URL=redis://…")
		}
		if len(missing) > 0 {
			bad("FOOTFALL_MODE=saas runs as stateless replicas and needs server backends; missing: %s", strings.Join(missing, ", "))
		}
		if c.SecretKey == "" {
			// A key generated into each replica's data directory would
			// differ between replicas: one could not open the two-factor
			// secrets another sealed.
			bad("FOOTFALL_MODE=saas needs FOOTFALL_SECRET_KEY, the same on every replica (e.g. openssl rand -hex 32)")
		}
	default:
		bad("FOOTFALL_MODE %q must be selfhost or saas", c.Mode)
	}
	if c.AdminTOTP != "optional" && c.AdminTOTP != "required" {
		bad("FOOTFALL_ADMIN_2FA %q must be optional or required", c.AdminTOTP)
	}
	switch c.Registration {
	case "open", "invite", "closed":
	default:
		bad("FOOTFALL_REGISTRATION %q must be open, invite or closed", c.Registration)
	}
	if c.SMTPURL != "" {
		for _, p := range smtpURLProblems(c.SMTPURL) {
			bad("%s", p)
		}
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		bad("FOOTFALL_TRUSTED_PROXIES: %v", err)
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		bad("FOOTFALL_LOG_FORMAT %q must be text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("FOOTFALL_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel)
	}
	if c.BillingGraceDays < 0 {
		bad("FOOTFALL_BILLING_GRACE_DAYS must be 0 or more")
	}
	if c.RetentionDays < 0 {
		bad("FOOTFALL_RETENTION_DAYS must not be negative")
	}
	if c.QueueMaxEvents < 1 {
		bad("FOOTFALL_QUEUE_MAX_EVENTS must be positive")
	}
	if c.QueueClaimIdleSeconds < 1 {
		bad("FOOTFALL_QUEUE_CLAIM_IDLE_SECONDS must be positive")
	}
	if h := c.JobHeartbeatURL; h != "" {
		u, err := url.Parse(strings.ReplaceAll(h, "{job}", "x"))
		if !strings.Contains(h, "{job}") || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("FOOTFALL_JOB_HEARTBEAT_URL must be an http(s) URL with a {job} placeholder, e.g. https://hc-ping.com/PING-KEY/{job}")
		}
	}
	if c.APIRateLimit < 0 {
		bad("FOOTFALL_API_RATE_LIMIT must not be negative (0 = no limit)")
	}
	if c.QueueMinFreeMB < 0 {
		bad("FOOTFALL_QUEUE_MIN_FREE_MB must not be negative")
	}
	if c.DuckDBThreads < 0 {
		bad("FOOTFALL_DUCKDB_THREADS must not be negative")
	}
	if c.BackupKeepDays < 0 {
		bad("FOOTFALL_BACKUP_KEEP_DAYS must not be negative")
	}
	if c.BackupKeepLast < 0 {
		bad("FOOTFALL_BACKUP_KEEP_LAST must not be negative")
	}
	switch c.BackupS3PathStyle {
	case "", "auto", "on", "off":
	default:
		bad("FOOTFALL_BACKUP_S3_PATH_STYLE must be on, off or auto")
	}
	if strings.HasPrefix(c.BackupDir, "s3://") && len(strings.TrimPrefix(c.BackupDir, "s3://")) == 0 {
		bad("FOOTFALL_BACKUP_DIR=s3:// needs a bucket: s3://bucket or s3://bucket/prefix")
	}
	if k := strings.TrimSpace(c.BackupKey); k != "" && !strings.HasPrefix(k, "age1") && !strings.HasPrefix(k, "AGE-SECRET-KEY-1") {
		bad("FOOTFALL_BACKUP_KEY must be an age recipient (age1...) or identity (AGE-SECRET-KEY-1...), as age-keygen prints them")
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		bad("FOOTFALL_SECRET_KEY must be at least 32 characters")
	}
	// Alerts and reports.
	if c.AlertsAllowPrivate != "true" && c.AlertsAllowPrivate != "false" {
		bad("FOOTFALL_ALERTS_ALLOW_PRIVATE must be true or false")
	}
	for _, a := range strings.Split(c.OperatorEmail, ",") {
		if a = strings.TrimSpace(a); a != "" && (!strings.Contains(a, "@") || strings.ContainsAny(a, " <>\r\n")) {
			bad("FOOTFALL_OPERATOR_EMAIL: %q is not an email address", a)
		}
	}
	if c.OperatorWebhookURL != "" {
		if u, err := url.Parse(c.OperatorWebhookURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			bad("FOOTFALL_OPERATOR_WEBHOOK_URL must be an absolute https URL")
		}
	}
	return errors.Join(errs...)
}

// TrustedProxyPrefixes parses FOOTFALL_TRUSTED_PROXIES. Bare addresses are
// taken as single-host prefixes.
func (c Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("%q is neither a CIDR nor an IP address", s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func scheme(raw string) string {
	s, _, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	return strings.ToLower(s)
}

// redactURL hides the password of a URL, or the whole value when it does
// not parse (it might be a secret in an unexpected shape).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[redacted]"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "redacted")
	}
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "pass") || strings.Contains(strings.ToLower(k), "secret") {
			q.Set(k, "redacted")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Markdown renders the configuration table for the README.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| variable | default | meaning |\n|---|---|---|\n")
	for _, v := range Vars() {
		def := "—"
		if v.Default != "" {
			def = "`" + v.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Env, def, v.Help)
	}
	return b.String()
}

package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig is a parsed FOOTFALL_SMTP_URL.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// Implicit is TLS from the first byte (smtps://, usually port 465).
	Implicit bool
	// TLS is the STARTTLS policy of smtp:// URLs: "required" (the
	// default for remote servers: credentials and mail never travel in
	// clear), "opportunistic" (STARTTLS when the server offers it; the
	// default for a server on this machine) or "none".
	TLS string
}

// ParseSMTPURL reads FOOTFALL_SMTP_URL: smtp://[user:pass@]host[:587] with
// STARTTLS, smtps://[user:pass@]host[:465] with implicit TLS. The query
// parameter tls=required|opportunistic|none sets the STARTTLS policy of
// smtp:// (a relay on localhost may speak plain SMTP without being told).
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, fmt.Errorf("FOOTFALL_SMTP_URL: %w", redactErr(err))
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Port, c.Implicit = 465, true
	default:
		return SMTPConfig{}, fmt.Errorf("FOOTFALL_SMTP_URL must start with smtp:// or smtps://")
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return SMTPConfig{}, fmt.Errorf("FOOTFALL_SMTP_URL has no host")
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port < 1 || c.Port > 65535 {
			return SMTPConfig{}, fmt.Errorf("FOOTFALL_SMTP_URL: bad port %q", p)
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	c.TLS = q.Get("tls")
	switch {
	case c.Implicit && c.TLS != "":
		return SMTPConfig{}, fmt.Errorf("FOOTFALL_SMTP_URL: tls= applies to smtp:// only (smtps:// is always TLS)")
	case c.Implicit:
	case c.TLS == "" && loopback(c.Host):
		c.TLS = "opportunistic"
	case c.TLS == "":
		c.TLS = "required"
	case c.TLS != "required" && c.TLS != "opportunistic" && c.TLS != "none":
		return SMTPConfig{}, fmt.Errorf("FOOTFALL_SMTP_URL: tls=%q must be required, opportunistic or none", c.TLS)
	}
	for k := range q {
		if k != "tls" {
			return SMTPConfig{}, fmt.Errorf("FOOTFALL_SMTP_URL: unknown parameter %q (only tls=)", k)
		}
	}
	return c, nil
}

// redactErr drops the URL (which may hold a password) from a parse error.
func redactErr(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SMTP delivers messages to one SMTP server with go-mail, a connection per
// message: mail is rare enough that a pool would only hold idle sockets.
type SMTP struct {
	cfg  SMTPConfig
	helo string
	// TLSConfig overrides the TLS settings (tests trust their own CA with
	// it); nil = the system roots, ServerName = Host.
	TLSConfig *tls.Config
	// Timeout bounds one delivery: connect, dialogue and data.
	Timeout time.Duration
}

// NewSMTP returns a transport for cfg; helo is the name this host gives in
// EHLO (the public host name is better than the default "localhost",
// which some servers score as spam).
func NewSMTP(cfg SMTPConfig, helo string) *SMTP {
	return &SMTP{cfg: cfg, helo: helo, Timeout: 30 * time.Second}
}

// Deliver sends m from the given sender.
func (s *SMTP) Deliver(ctx context.Context, from string, m Message) error {
	msg, err := build(from, m)
	if err != nil {
		return err
	}
	tlsConfig := s.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	}
	opts := []gomail.Option{
		gomail.WithTimeout(s.Timeout),
		gomail.WithTLSConfig(tlsConfig),
	}
	if s.helo != "" {
		opts = append(opts, gomail.WithHELO(s.helo))
	}
	switch {
	case s.cfg.Implicit:
		opts = append(opts, gomail.WithSSL())
	case s.cfg.TLS == "opportunistic":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case s.cfg.TLS == "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		// The strongest mechanism the server offers; go-mail's discovery
		// skips plain-text mechanisms on an unencrypted connection. A relay
		// on this machine may take PLAIN in clear: nothing crosses a network.
		auth := gomail.SMTPAuthAutoDiscover
		if loopback(s.cfg.Host) && !s.cfg.Implicit && s.cfg.TLS != "required" {
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	// The port last: WithSSL would otherwise move it to 465.
	opts = append(opts, gomail.WithPort(s.cfg.Port))
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

// build turns m into a MIME message: text/plain, with text/html as an
// alternative when present.
func build(from string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("%w: sender %q: %v", ErrInvalid, from, err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("%w: recipients: %v", ErrInvalid, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageID()
	msg.SetDate()
	// Automatic mail: vacation responders should not answer it (RFC 3834).
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if m.Kind != "" {
		msg.SetGenHeader("X-Footfall-Kind", m.Kind)
	}
	if m.ListUnsubscribe != "" {
		msg.SetGenHeader("List-Unsubscribe", "<"+m.ListUnsubscribe+">")
		msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if strings.TrimSpace(m.HTML) != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

package mail

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
)

// Options configure New.
type Options struct {
	SMTPURL string // FOOTFALL_SMTP_URL; "" = log mail instead (dev mode)
	From    string // FOOTFALL_MAIL_FROM; "" = "Footfall <footfall@HOST>" of BaseURL
	BaseURL string // FOOTFALL_BASE_URL: its host names us in EHLO and the default sender
	Logger  *slog.Logger
}

// NewTransport returns the transport and the sender address the options
// describe: SMTP when a URL is set, the log otherwise.
func NewTransport(o Options) (Transport, string, error) {
	host := "localhost"
	if u, err := url.Parse(o.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	from := o.From
	if from == "" {
		from = "Footfall <footfall@" + host + ">"
	}
	if _, err := ParseAddress(from); err != nil {
		return nil, "", fmt.Errorf("FOOTFALL_MAIL_FROM %q: %w", from, err)
	}
	if o.SMTPURL == "" {
		return Log{Logger: o.Logger}, from, nil
	}
	cfg, err := ParseSMTPURL(o.SMTPURL)
	if err != nil {
		return nil, "", err
	}
	return NewSMTP(cfg, host), from, nil
}

// Direct is a Mailer that delivers at once through its transport, with no
// queue: a failed delivery is the caller's error.
type Direct struct {
	Transport Transport
	From      string
}

// Send validates m and delivers it.
func (d Direct) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return d.Transport.Deliver(ctx, d.From, m)
}

// Package mail sends Footfall's email: account security notices,
// invitations, reports, alerts, billing and announcements. Callers hand a
// Message to a Mailer, which queues it durably and returns; delivery (over
// SMTP, or to the log when no SMTP server is configured) happens beside
// the request and is retried until it succeeds or gives up.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// Message is one email. Text is always set (every client can show it); HTML
// is an optional alternative. Kind names what the mail is for ("security",
// "invite", "report", "alert", "billing", "announcement", …) and labels logs
// and metrics; it is not shown to the recipient.
type Message struct {
	To      []string
	Subject string
	Text    string // plain-text part, always set
	HTML    string // optional HTML part
	Kind    string
	// ListUnsubscribe, when set, is the https URL of a one-click
	// unsubscribe (RFC 8058): sent as List-Unsubscribe with
	// List-Unsubscribe-Post, so mail clients show an "Unsubscribe"
	// button. Reports set it.
	ListUnsubscribe string
}

// Mailer queues a message durably (the outbox in the app database) and
// returns; delivery is retried by a job. Send fails only when the message
// is invalid or cannot be queued: a mail server being down is not an error
// the caller sees.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Transport delivers one message now: the SMTP client, or the log in dev
// mode. An error means the message was not accepted and may be retried.
type Transport interface {
	Deliver(ctx context.Context, from string, m Message) error
}

// ErrInvalid wraps every reason a Message is refused before queueing.
var ErrInvalid = errors.New("invalid message")

// Limits that keep one message sane: a header line an SMTP server accepts
// and bodies no template of ours comes close to.
const (
	maxRecipients = 50
	maxSubject    = 250
	maxBody       = 1 << 20
)

// Validate checks m before it is queued: at least one recipient, every
// address well formed, a one-line subject, a text body. It returns an
// error wrapping ErrInvalid.
func (m Message) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(m.To) == 0 {
		return bad("no recipient")
	}
	if len(m.To) > maxRecipients {
		return bad("%d recipients, at most %d", len(m.To), maxRecipients)
	}
	for _, to := range m.To {
		if _, err := ParseAddress(to); err != nil {
			return bad("recipient %q: %v", to, err)
		}
	}
	switch {
	case strings.TrimSpace(m.Subject) == "":
		return bad("no subject")
	case len(m.Subject) > maxSubject:
		return bad("subject longer than %d bytes", maxSubject)
	case strings.ContainsAny(m.Subject, "\r\n"):
		return bad("subject spans lines")
	case strings.TrimSpace(m.Text) == "":
		return bad("no text part")
	case len(m.Text) > maxBody || len(m.HTML) > maxBody:
		return bad("body longer than %d bytes", maxBody)
	case strings.ContainsAny(m.Kind, "\r\n"):
		return bad("kind spans lines")
	case strings.ContainsAny(m.ListUnsubscribe, "\r\n<> "):
		return bad("list-unsubscribe URL with a line break, space or angle bracket")
	}
	return nil
}

// ParseAddress parses one address as a recipient or sender: "a@b.example"
// or "Name <a@b.example>". Line breaks are refused (no header injection).
func ParseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("address spans lines")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(a.Address, "@") {
		return nil, errors.New("no domain")
	}
	return a, nil
}

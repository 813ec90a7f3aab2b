package mail

import (
	"context"
	"log/slog"
)

// Log is the transport without an SMTP server (dev mode): each message is
// written to the log whole — recipient, subject and text, links included —
// so whoever runs the server can follow a sign-up or reset link from it.
type Log struct {
	Logger *slog.Logger
}

// Deliver logs m at info level; it never fails.
func (l Log) Deliver(_ context.Context, from string, m Message) error {
	l.Logger.Info("mail not sent (no FOOTFALL_SMTP_URL); its text follows",
		"kind", m.Kind, "from", from, "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}

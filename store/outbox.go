package store

import (
	"context"
	"time"
)

// OutboxMail is one queued email and its delivery state.
type OutboxMail struct {
	ID      int64
	Kind    string
	To      []string
	Subject string
	Text    string
	HTML    string
	// ListUnsubscribe is the message's one-click unsubscribe URL
	// (mail.Message.ListUnsubscribe), "" for none.
	ListUnsubscribe string

	CreatedAt     time.Time
	Attempts      int       // deliveries started (a claim counts as one)
	NextAttemptAt time.Time // not claimed before this
	SentAt        time.Time // zero until delivered
	FailedAt      time.Time // when it was given up; zero while retried
	LastError     string
}

// MailClaim asks ClaimMail for due messages.
type MailClaim struct {
	// Token names this claimer; MarkMailSent and MarkMailFailed must
	// present it. A random value per claim.
	Token string
	Now   time.Time
	// Until is when the claim lapses: a claimer that died mid-delivery
	// leaves its messages to be claimed again after it. Keep it well
	// above the delivery timeout, or a slow delivery may be repeated.
	Until time.Time
	Limit int
	// ID, when not 0, claims that message only (if it is due).
	ID int64
}

// Mail outbox states for counting.
const (
	MailQueued = "queued" // waiting for (another) delivery attempt
	MailSent   = "sent"
	MailFailed = "failed" // given up
)

// Outbox is the durable mail queue: a message is stored before anyone is
// told it was sent, and stays until an SMTP server accepted it or it was
// given up (kept, flagged, for the operator).
type Outbox interface {
	// EnqueueMail stores m (ID, state and attempts ignored), due at
	// m.NextAttemptAt (now when zero), and returns its ID.
	EnqueueMail(ctx context.Context, m OutboxMail) (int64, error)
	// ClaimMail hands out up to c.Limit messages that are neither sent
	// nor given up, due at c.Now (NextAttemptAt ≤ Now) and not held by
	// an unexpired claim, oldest first, counting an attempt on each.
	// Concurrent callers, in this process or in others, never receive
	// the same message while its claim lasts.
	ClaimMail(ctx context.Context, c MailClaim) ([]OutboxMail, error)
	// MarkMailSent records the delivery of a message claimed with token.
	// ErrNotFound when the message is gone or the claim is no longer
	// token's (it lapsed and someone else claimed it).
	MarkMailSent(ctx context.Context, id int64, token string, at time.Time) error
	// MarkMailFailed records a failed delivery of a message claimed with
	// token and releases the claim: it is due again at retryAt, or, when
	// retryAt is zero, given up at at. ErrNotFound as MarkMailSent.
	MarkMailFailed(ctx context.Context, id int64, token string, at time.Time, errText string, retryAt time.Time) error
	// OutboxMail returns one message; ErrNotFound when missing.
	OutboxMail(ctx context.Context, id int64) (OutboxMail, error)
	// CountMail counts messages by state (MailQueued, MailSent,
	// MailFailed); absent states count 0.
	CountMail(ctx context.Context) (map[string]int64, error)
	// DeleteSentMailBefore removes messages delivered before t; given-up
	// and queued ones stay.
	DeleteSentMailBefore(ctx context.Context, t time.Time) (int64, error)
}

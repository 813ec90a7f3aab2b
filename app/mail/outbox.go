package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/store"
)

// Outbox is the Mailer of a running Footfall. Send stores the message in
// the app database and returns; one delivery is tried at once, beside the
// caller, and Retry (the outbox_retry job, every minute) delivers whatever
// is due after that: a mail server that is down delays mail, it loses
// none. A message is given up after MaxAttempts failed deliveries; it stays
// in the outbox, flagged, for the operator.
type Outbox struct {
	store     store.Outbox
	transport Transport
	from      string
	logger    *slog.Logger
	metrics   *metrics

	// MaxAttempts bounds deliveries per message (default 12: with the
	// backoff below, about a day of trying).
	MaxAttempts int
	// Now is the clock (tests move it); time.Now when nil.
	Now func() time.Time

	wg sync.WaitGroup // immediate deliveries in flight
}

// Backoff after the nth failed delivery: a minute, doubling, at most six
// hours.
const (
	firstRetry = time.Minute
	maxRetry   = 6 * time.Hour
	// claimFor is how long a claim holds a message: far above the SMTP
	// timeout, so a slow delivery is not repeated by another replica.
	claimFor = 10 * time.Minute
	// deliverTimeout bounds one delivery, SMTP dialogue included.
	deliverTimeout = time.Minute
)

// NewOutbox returns an outbox that delivers through t as from, and counts
// into reg (nil: no metrics).
func NewOutbox(s store.Outbox, t Transport, from string, logger *slog.Logger, reg prometheus.Registerer) *Outbox {
	return &Outbox{store: s, transport: t, from: from, logger: logger, metrics: newMetrics(reg), MaxAttempts: 12}
}

func (o *Outbox) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Send validates m, stores it and starts one delivery attempt in the
// background. It returns once the message is stored.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	id, err := o.store.EnqueueMail(ctx, store.OutboxMail{
		Kind: m.Kind, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, ListUnsubscribe: m.ListUnsubscribe, CreatedAt: o.now(),
	})
	if err != nil {
		return fmt.Errorf("queue %s mail: %w", m.Kind, err)
	}
	o.metrics.queued.WithLabelValues(m.Kind).Inc()
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		// Not the request's context: the request may end first.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverTimeout)
		defer cancel()
		if _, _, err := o.deliverDue(ctx, id); err != nil {
			o.logger.Warn("mail outbox", "err", err)
		}
	}()
	return nil
}

// Wait waits for the deliveries Send started (at shutdown; tests).
func (o *Outbox) Wait() { o.wg.Wait() }

// Retry delivers every message due now, a batch at a time, until none is
// left or ctx ends. It returns the number delivered; failed deliveries are
// recorded on their messages (and retried later), not returned.
func (o *Outbox) Retry(ctx context.Context) (int, error) {
	sent := 0
	for {
		claimed, n, err := o.deliverDue(ctx, 0)
		sent += n
		if err != nil || claimed == 0 {
			return sent, err
		}
		if err := ctx.Err(); err != nil {
			return sent, err
		}
	}
}

// deliverDue claims due messages (only message id when not 0) and tries
// each once.
func (o *Outbox) deliverDue(ctx context.Context, id int64) (claimed, sent int, err error) {
	token := newToken()
	now := o.now()
	batch, err := o.store.ClaimMail(ctx, store.MailClaim{Token: token, Now: now, Until: now.Add(claimFor), Limit: 10, ID: id})
	if err != nil {
		return 0, 0, fmt.Errorf("claim due mail: %w", err)
	}
	for _, m := range batch {
		if o.deliver(ctx, token, m) {
			sent++
		}
	}
	return len(batch), sent, nil
}

// deliver tries m once and records the outcome under token's claim.
func (o *Outbox) deliver(ctx context.Context, token string, m store.OutboxMail) bool {
	msg := Message{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Kind: m.Kind, ListUnsubscribe: m.ListUnsubscribe}
	dctx, cancel := context.WithTimeout(ctx, deliverTimeout)
	err := o.transport.Deliver(dctx, o.from, msg)
	cancel()
	// The outcome is recorded even when ctx ended meanwhile: the message
	// must not stay claimed (and unsent) for the whole claim.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer rcancel()
	log := o.logger.With("mail_id", m.ID, "kind", m.Kind, "attempt", m.Attempts)
	if err == nil {
		if merr := o.store.MarkMailSent(rctx, m.ID, token, o.now()); merr != nil {
			// Delivered but not recorded: it may be sent again after the
			// claim lapses. Rare, and better than losing mail.
			log.Error("mail delivered but not marked sent", "err", merr)
		}
		o.metrics.sent.WithLabelValues(m.Kind).Inc()
		log.Info("mail sent")
		return true
	}
	o.metrics.failed.WithLabelValues(m.Kind).Inc()
	retryAt := o.now().Add(backoff(m.Attempts))
	if m.Attempts >= o.MaxAttempts || errors.Is(err, ErrInvalid) {
		retryAt = time.Time{}
		o.metrics.givenUp.WithLabelValues(m.Kind).Inc()
		log.Error("mail given up", "err", err)
	} else {
		log.Warn("mail delivery failed; will retry", "err", err, "retry_at", retryAt)
	}
	if merr := o.store.MarkMailFailed(rctx, m.ID, token, o.now(), err.Error(), retryAt); merr != nil {
		log.Error("mail failure not recorded", "err", merr)
	}
	return false
}

// backoff is the wait after the nth failed delivery.
func backoff(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type metrics struct {
	queued, sent, failed, givenUp *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		queued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "footfall_mail_queued_total", Help: "Emails stored in the outbox, by kind.",
		}, []string{"kind"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "footfall_mail_sent_total", Help: "Emails handed to the SMTP server (or logged in dev mode), by kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "footfall_mail_failed_total", Help: "Failed delivery attempts (retried with backoff), by kind.",
		}, []string{"kind"}),
		givenUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "footfall_mail_given_up_total", Help: "Emails given up after their last attempt, by kind.",
		}, []string{"kind"}),
	}
	if reg != nil {
		reg.MustRegister(m.queued, m.sent, m.failed, m.givenUp)
	}
	return m
}

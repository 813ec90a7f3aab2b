package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

const outboxColumns = "id, kind, recipients, subject, text_body, html_body, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error, list_unsubscribe"

func scanOutboxMail(r pgx.Row) (store.OutboxMail, error) {
	var (
		m                            store.OutboxMail
		to                           string
		created, next, sent, failedT int64
	)
	if err := r.Scan(&m.ID, &m.Kind, &to, &m.Subject, &m.Text, &m.HTML, &created, &m.Attempts, &next, &sent, &failedT, &m.LastError, &m.ListUnsubscribe); err != nil {
		return store.OutboxMail{}, err
	}
	if err := json.Unmarshal([]byte(to), &m.To); err != nil {
		return store.OutboxMail{}, fmt.Errorf("recipients of mail %d: %w", m.ID, err)
	}
	m.CreatedAt, m.NextAttemptAt = fromMillis(created), fromMillis(next)
	if sent != 0 {
		m.SentAt = fromMillis(sent)
	}
	if failedT != 0 {
		m.FailedAt = fromMillis(failedT)
	}
	return m, nil
}

// EnqueueMail stores m, due at m.NextAttemptAt or now.
func (s *Store) EnqueueMail(ctx context.Context, m store.OutboxMail) (int64, error) {
	to, err := json.Marshal(m.To)
	if err != nil {
		return 0, fmt.Errorf("postgres: enqueue mail: %w", err)
	}
	created := stamp(m.CreatedAt)
	next := created
	if !m.NextAttemptAt.IsZero() {
		next = stamp(m.NextAttemptAt)
	}
	var id int64
	err = s.pool.QueryRow(ctx, `INSERT INTO mail_outbox (kind, recipients, subject, text_body, html_body, created_at, next_attempt_at, list_unsubscribe)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, m.Kind, string(to), m.Subject, m.Text, m.HTML, created.UnixMilli(), next.UnixMilli(), m.ListUnsubscribe).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: enqueue mail: %w", translate(err))
	}
	return id, nil
}

// ClaimMail claims due messages; FOR UPDATE SKIP LOCKED lets replicas
// claim side by side without waiting for each other or sharing a row.
func (s *Store) ClaimMail(ctx context.Context, c store.MailClaim) ([]store.OutboxMail, error) {
	now := c.Now.UnixMilli()
	q := `UPDATE mail_outbox SET claim_token = $1, claimed_until = $2, attempts = attempts + 1
		WHERE id IN (SELECT id FROM mail_outbox
			WHERE sent_at = 0 AND failed_at = 0 AND next_attempt_at <= $3 AND claimed_until <= $3 AND ($4 = 0 OR id = $4)
			ORDER BY next_attempt_at, id LIMIT $5 FOR UPDATE SKIP LOCKED)
		RETURNING ` + outboxColumns
	out, err := queryAll(ctx, s, scanOutboxMail, q, c.Token, c.Until.UnixMilli(), now, c.ID, c.Limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim mail: %w", translate(err))
	}
	// RETURNING promises no order.
	slices.SortFunc(out, func(a, b store.OutboxMail) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// MarkMailSent records a delivery under token's claim.
func (s *Store) MarkMailSent(ctx context.Context, id int64, token string, at time.Time) error {
	if err := mustAffect(s.pool.Exec(ctx, `UPDATE mail_outbox SET sent_at = $1, claim_token = '', claimed_until = 0, last_error = ''
		WHERE id = $2 AND claim_token = $3 AND sent_at = 0 AND failed_at = 0`, stamp(at).UnixMilli(), id, token)); err != nil {
		return fmt.Errorf("postgres: mark mail %d sent: %w", id, err)
	}
	return nil
}

// MarkMailFailed records a failed delivery under token's claim.
func (s *Store) MarkMailFailed(ctx context.Context, id int64, token string, at time.Time, errText string, retryAt time.Time) error {
	failedAt, next := int64(0), retryAt.UnixMilli()
	if retryAt.IsZero() {
		failedAt, next = stamp(at).UnixMilli(), 0
	}
	if err := mustAffect(s.pool.Exec(ctx, `UPDATE mail_outbox SET claim_token = '', claimed_until = 0, last_error = $1,
		failed_at = $2, next_attempt_at = CASE WHEN $3::BIGINT = 0 THEN next_attempt_at ELSE $3::BIGINT END
		WHERE id = $4 AND claim_token = $5 AND sent_at = 0 AND failed_at = 0`, errText, failedAt, next, id, token)); err != nil {
		return fmt.Errorf("postgres: mark mail %d failed: %w", id, err)
	}
	return nil
}

// OutboxMail returns one message.
func (s *Store) OutboxMail(ctx context.Context, id int64) (store.OutboxMail, error) {
	m, err := scanOutboxMail(s.pool.QueryRow(ctx, "SELECT "+outboxColumns+" FROM mail_outbox WHERE id = $1", id))
	if err != nil {
		return store.OutboxMail{}, fmt.Errorf("postgres: mail %d: %w", id, translate(err))
	}
	return m, nil
}

// CountMail counts messages by state.
func (s *Store) CountMail(ctx context.Context) (map[string]int64, error) {
	var queued, sent, failed int64
	err := s.pool.QueryRow(ctx, `SELECT
		COUNT(*) FILTER (WHERE sent_at = 0 AND failed_at = 0),
		COUNT(*) FILTER (WHERE sent_at > 0),
		COUNT(*) FILTER (WHERE failed_at > 0) FROM mail_outbox`).Scan(&queued, &sent, &failed)
	if err != nil {
		return nil, fmt.Errorf("postgres: count mail: %w", err)
	}
	return map[string]int64{store.MailQueued: queued, store.MailSent: sent, store.MailFailed: failed}, nil
}

// DeleteSentMailBefore removes messages delivered before t.
func (s *Store) DeleteSentMailBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM mail_outbox WHERE sent_at > 0 AND sent_at < $1", t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("postgres: delete sent mail: %w", err)
	}
	return tag.RowsAffected(), nil
}

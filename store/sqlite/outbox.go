package sqlite

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/footfallhq/footfall/store"
)

const outboxColumns = "id, kind, recipients, subject, text_body, html_body, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error, list_unsubscribe"

func scanOutboxMail(r scanner) (store.OutboxMail, error) {
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
		return 0, fmt.Errorf("sqlite: enqueue mail: %w", err)
	}
	created := stamp(m.CreatedAt)
	next := created
	if !m.NextAttemptAt.IsZero() {
		next = stamp(m.NextAttemptAt)
	}
	res, err := s.write.ExecContext(ctx, `INSERT INTO mail_outbox (kind, recipients, subject, text_body, html_body, created_at, next_attempt_at, list_unsubscribe)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.Kind, string(to), m.Subject, m.Text, m.HTML, created.UnixMilli(), next.UnixMilli(), m.ListUnsubscribe)
	var id int64
	if err == nil {
		id, err = res.LastInsertId()
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: enqueue mail: %w", translate(err))
	}
	return id, nil
}

// ClaimMail claims due messages in one statement on the single writer
// connection: two claimers cannot both see a message unclaimed.
func (s *Store) ClaimMail(ctx context.Context, c store.MailClaim) ([]store.OutboxMail, error) {
	now := c.Now.UnixMilli()
	q := `UPDATE mail_outbox SET claim_token = ?, claimed_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM mail_outbox
			WHERE sent_at = 0 AND failed_at = 0 AND next_attempt_at <= ? AND claimed_until <= ?`
	args := []any{c.Token, c.Until.UnixMilli(), now, now}
	if c.ID != 0 {
		q += " AND id = ?"
		args = append(args, c.ID)
	}
	q += " ORDER BY next_attempt_at, id LIMIT ?) RETURNING " + outboxColumns
	args = append(args, c.Limit)
	rows, err := s.write.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim mail: %w", translate(err))
	}
	defer rows.Close()
	out := []store.OutboxMail{}
	for rows.Next() {
		m, err := scanOutboxMail(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: claim mail: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim mail: %w", err)
	}
	sortMail(out)
	return out, nil
}

// MarkMailSent records a delivery under token's claim.
func (s *Store) MarkMailSent(ctx context.Context, id int64, token string, at time.Time) error {
	if err := mustAffect(s.write.ExecContext(ctx, `UPDATE mail_outbox SET sent_at = ?, claim_token = '', claimed_until = 0, last_error = ''
		WHERE id = ? AND claim_token = ? AND sent_at = 0 AND failed_at = 0`, stamp(at).UnixMilli(), id, token)); err != nil {
		return fmt.Errorf("sqlite: mark mail %d sent: %w", id, err)
	}
	return nil
}

// MarkMailFailed records a failed delivery under token's claim.
func (s *Store) MarkMailFailed(ctx context.Context, id int64, token string, at time.Time, errText string, retryAt time.Time) error {
	failedAt, next := int64(0), retryAt.UnixMilli()
	if retryAt.IsZero() {
		failedAt, next = stamp(at).UnixMilli(), 0
	}
	if err := mustAffect(s.write.ExecContext(ctx, `UPDATE mail_outbox SET claim_token = '', claimed_until = 0, last_error = ?,
		failed_at = ?, next_attempt_at = CASE WHEN ? = 0 THEN next_attempt_at ELSE ? END
		WHERE id = ? AND claim_token = ? AND sent_at = 0 AND failed_at = 0`, errText, failedAt, next, next, id, token)); err != nil {
		return fmt.Errorf("sqlite: mark mail %d failed: %w", id, err)
	}
	return nil
}

// OutboxMail returns one message.
func (s *Store) OutboxMail(ctx context.Context, id int64) (store.OutboxMail, error) {
	m, err := scanOutboxMail(s.read.QueryRowContext(ctx, "SELECT "+outboxColumns+" FROM mail_outbox WHERE id = ?", id))
	if err != nil {
		return store.OutboxMail{}, fmt.Errorf("sqlite: mail %d: %w", id, translate(err))
	}
	return m, nil
}

// CountMail counts messages by state.
func (s *Store) CountMail(ctx context.Context) (map[string]int64, error) {
	var queued, sent, failed int64
	err := s.read.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN sent_at = 0 AND failed_at = 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN sent_at > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failed_at > 0 THEN 1 ELSE 0 END), 0) FROM mail_outbox`).Scan(&queued, &sent, &failed)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count mail: %w", err)
	}
	return map[string]int64{store.MailQueued: queued, store.MailSent: sent, store.MailFailed: failed}, nil
}

// DeleteSentMailBefore removes messages delivered before t.
func (s *Store) DeleteSentMailBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, "DELETE FROM mail_outbox WHERE sent_at > 0 AND sent_at < ?", t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete sent mail: %w", err)
	}
	return res.RowsAffected()
}

// sortMail orders claimed messages as claimed (due first, then by ID):
// RETURNING promises no order.
func sortMail(ms []store.OutboxMail) {
	slices.SortFunc(ms, func(a, b store.OutboxMail) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
}

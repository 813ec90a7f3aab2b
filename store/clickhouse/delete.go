package clickhouse

import (
	"context"
	"fmt"
	"time"
)

// DeleteSiteEvents removes every event of the site with an ALTER TABLE …
// DELETE mutation (lightweight DELETE is not in 18.16) and waits for it.
// The mutation rewrites the parts holding the site's rows: a job for a
// quiet hour, not for a request path.
func (s *Store) DeleteSiteEvents(ctx context.Context, siteID int64) error {
	if err := s.mutate(ctx, "site_id = "+num(siteID)); err != nil {
		return fmt.Errorf("clickhouse: delete events of site %d: %w", siteID, err)
	}
	return nil
}

// DeleteEventsBefore removes the events stamped before the given time:
// months wholly before it are dropped as partitions (instant, no rewrite),
// and the rows of the month it falls in by a mutation, awaited.
func (s *Store) DeleteEventsBefore(ctx context.Context, before time.Time) error {
	cut := ceilMilli(before)
	// The partition id of toYYYYMM is the month number itself.
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT "+partitionExpr+" AS p FROM events WHERE ts < "+num(cut))
	if err != nil {
		return fmt.Errorf("clickhouse: retention: list months: %w", err)
	}
	var drop []uint32
	partial := false
	for rows.Next() {
		var p uint32
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return fmt.Errorf("clickhouse: retention: list months: %w", err)
		}
		// A month that ends after the cut keeps its rows from the cut on.
		if monthEnd(p) <= cut {
			drop = append(drop, p)
		} else {
			partial = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("clickhouse: retention: list months: %w", err)
	}
	for _, p := range drop {
		if err := s.conn.Exec(ctx, fmt.Sprintf("ALTER TABLE events DROP PARTITION %d", p)); err != nil {
			return fmt.Errorf("clickhouse: retention: drop month %d: %w", p, err)
		}
	}
	if partial {
		if err := s.mutate(ctx, "ts < "+num(cut)); err != nil {
			return fmt.Errorf("clickhouse: retention: delete events before %s: %w", before.UTC().Format(time.RFC3339), err)
		}
	}
	return nil
}

// monthEnd returns the Unix millisecond at which the UTC month yyyymm ends.
func monthEnd(yyyymm uint32) int64 {
	return time.Date(int(yyyymm/100), time.Month(yyyymm%100)+1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
}

// mutate deletes the events matching cond and waits until the server has
// applied the mutation: 18.16 runs mutations in the background and has no
// setting to wait for them (mutations_sync came later).
func (s *Store) mutate(ctx context.Context, cond string) error {
	if err := s.conn.Exec(ctx, "ALTER TABLE events DELETE WHERE "+cond); err != nil {
		return err
	}
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		var pending uint64
		err := s.conn.QueryRow(ctx, "SELECT count() FROM system.mutations WHERE database = "+quote(s.database)+
			" AND table = 'events' AND is_done = 0").Scan(&pending)
		if err != nil {
			return fmt.Errorf("wait for the mutation: %w", err)
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the mutation: %w", ctx.Err())
		case <-time.After(delay):
		}
	}
}

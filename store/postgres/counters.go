package postgres

import (
	"context"
	"fmt"
)

// ReserveIDs hands out n consecutive ids of the named counter, starting
// at 1 for a new counter. INSERT … ON CONFLICT DO UPDATE locks the row, so
// concurrent callers (across replicas too) get disjoint blocks.
func (s *Store) ReserveIDs(ctx context.Context, counter string, n int64) (int64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("postgres: reserve %d ids of %q: n must be positive", n, counter)
	}
	var next int64
	err := s.pool.QueryRow(ctx,
		`INSERT INTO counters (name, next) VALUES ($1, 1 + $2::bigint)
		 ON CONFLICT (name) DO UPDATE SET next = counters.next + excluded.next - 1
		 RETURNING next`, counter, n).Scan(&next)
	if err != nil {
		return 0, fmt.Errorf("postgres: reserve %d ids of %q: %w", n, counter, translate(err))
	}
	return next - n, nil
}

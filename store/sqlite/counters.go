package sqlite

import (
	"context"
	"fmt"
)

// ReserveIDs hands out n consecutive ids of the named counter, starting
// at 1 for a new counter. The update is one statement on the single writer,
// so concurrent callers get disjoint blocks.
func (s *Store) ReserveIDs(ctx context.Context, counter string, n int64) (int64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("sqlite: reserve %d ids of %q: n must be positive", n, counter)
	}
	var next int64
	err := s.write.QueryRowContext(ctx,
		`INSERT INTO counters (name, next) VALUES (?, 1 + ?)
		 ON CONFLICT (name) DO UPDATE SET next = next + excluded.next - 1
		 RETURNING next`, counter, n).Scan(&next)
	if err != nil {
		return 0, fmt.Errorf("sqlite: reserve %d ids of %q: %w", n, counter, translate(err))
	}
	return next - n, nil
}

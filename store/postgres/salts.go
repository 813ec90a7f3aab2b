package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

const saltColumns = "day, value, created_at"

func scanSalt(r pgx.Row) (store.Salt, error) {
	var (
		s       store.Salt
		created int64
	)
	if err := r.Scan(&s.Day, &s.Value, &created); err != nil {
		return store.Salt{}, err
	}
	s.CreatedAt = fromMillis(created)
	return s, nil
}

// PutSalt stores salt unless the day already has one, and returns the one
// stored, so replicas racing to create a day's salt all hash with the same
// key. CreatedAt is now if zero.
//
// One statement does both: the INSERT's RETURNING yields the new row, and
// when the day is taken the SELECT yields the existing one. A concurrent
// insert of the same day makes ON CONFLICT wait for it, but the SELECT
// branch reads the snapshot taken before, so on that (rare) empty answer
// the statement runs again and sees the winner.
func (s *Store) PutSalt(ctx context.Context, salt store.Salt) (store.Salt, error) {
	salt.CreatedAt = stamp(salt.CreatedAt)
	const q = `WITH ins AS (
		INSERT INTO salts (day, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (day) DO NOTHING
		RETURNING ` + saltColumns + `
	)
	SELECT ` + saltColumns + ` FROM ins
	UNION ALL
	SELECT ` + saltColumns + ` FROM salts WHERE day = $1
	LIMIT 1`
	for attempt := 0; ; attempt++ {
		stored, err := scanSalt(s.pool.QueryRow(ctx, q, salt.Day, salt.Value, salt.CreatedAt.UnixMilli()))
		if err == nil {
			return stored, nil
		}
		if errors.Is(err, pgx.ErrNoRows) && attempt < 3 {
			continue // lost a race with a concurrent insert; see above
		}
		return store.Salt{}, fmt.Errorf("postgres: put salt %s: %w", salt.Day, translate(err))
	}
}

// Salts returns the stored salts, newest day first.
func (s *Store) Salts(ctx context.Context) ([]store.Salt, error) {
	salts, err := queryAll(ctx, s, scanSalt, "SELECT "+saltColumns+" FROM salts ORDER BY day DESC")
	if err != nil {
		return nil, fmt.Errorf("postgres: salts: %w", err)
	}
	return salts, nil
}

// DeleteSaltsBefore removes the salts of days before day (YYYY-MM-DD);
// the column's "C" collation orders that format by date.
func (s *Store) DeleteSaltsBefore(ctx context.Context, day string) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM salts WHERE day < $1", day); err != nil {
		return fmt.Errorf("postgres: delete salts before %s: %w", day, err)
	}
	return nil
}

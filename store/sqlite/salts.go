package sqlite

import (
	"context"
	"fmt"

	"github.com/footfallhq/footfall/store"
)

const saltColumns = "day, value, created_at"

func scanSalt(r scanner) (store.Salt, error) {
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
// stored, so replicas and goroutines racing to create a day's salt all
// hash with the same key. CreatedAt is now if zero.
func (s *Store) PutSalt(ctx context.Context, salt store.Salt) (store.Salt, error) {
	salt.CreatedAt = stamp(salt.CreatedAt)
	// Insert and read back in one transaction, so a concurrent
	// DeleteSaltsBefore cannot remove the row in between.
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return store.Salt{}, fmt.Errorf("sqlite: put salt %s: %w", salt.Day, err)
	}
	// After Commit this is a no-op; on an earlier failure that error is the
	// one worth returning.
	defer func() { _ = tx.Rollback() }()

	if _, err := tx.ExecContext(ctx,
		"INSERT INTO salts (day, value, created_at) VALUES (?, ?, ?) ON CONFLICT (day) DO NOTHING",
		salt.Day, salt.Value, salt.CreatedAt.UnixMilli()); err != nil {
		return store.Salt{}, fmt.Errorf("sqlite: put salt %s: %w", salt.Day, translate(err))
	}
	stored, err := scanSalt(tx.QueryRowContext(ctx, "SELECT "+saltColumns+" FROM salts WHERE day = ?", salt.Day))
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return store.Salt{}, fmt.Errorf("sqlite: put salt %s: %w", salt.Day, translate(err))
	}
	return stored, nil
}

// Salts returns the stored salts, newest day first.
func (s *Store) Salts(ctx context.Context) ([]store.Salt, error) {
	salts, err := queryAll(ctx, s.read, scanSalt, "SELECT "+saltColumns+" FROM salts ORDER BY day DESC")
	if err != nil {
		return nil, fmt.Errorf("sqlite: salts: %w", err)
	}
	return salts, nil
}

// DeleteSaltsBefore removes the salts of days before day (YYYY-MM-DD);
// days compare as text, which orders that format by date.
func (s *Store) DeleteSaltsBefore(ctx context.Context, day string) error {
	if _, err := s.write.ExecContext(ctx, "DELETE FROM salts WHERE day < ?", day); err != nil {
		return fmt.Errorf("sqlite: delete salts before %s: %w", day, err)
	}
	return nil
}

package duckdb

import (
	"context"
	"fmt"
	"time"

	"github.com/footfallhq/footfall/store"
)

var _ store.EventDeleter = (*Store)(nil)

// rollupTables hold per-(site, visitor day) sums that deletions (and late
// events, see unroll) must not leave behind; rollup_days, which says
// which days the others cover, last.
var rollupTables = []string{"rollup_visits", "rollup_goals", "rollup_series", "rollup_sessions", "rollup_session_days", "rollup_days"}

// DeleteSiteEvents removes every event of the site, and its rollups, in
// one transaction.
func (s *Store) DeleteSiteEvents(ctx context.Context, siteID int64) error {
	stmts := []string{"DELETE FROM events WHERE site_id = ?"}
	for _, t := range rollupTables {
		stmts = append(stmts, "DELETE FROM "+t+" WHERE site_id = ?")
	}
	if err := s.deleteTx(ctx, stmts, siteID); err != nil {
		return fmt.Errorf("duckdb: delete events of site %d: %w", siteID, err)
	}
	return nil
}

// DeleteEventsBefore removes every site's events stamped before the given
// time, in one transaction. Rollups of visitor days with events before it
// go too (rollup_days last, as it says which days the others cover): the
// next Rollup rebuilds those days from the events that remain.
func (s *Store) DeleteEventsBefore(ctx context.Context, before time.Time) error {
	cut := ceilMilli(before)
	var stmts []string
	for _, t := range rollupTables {
		if t == "rollup_days" {
			stmts = append(stmts, "DELETE FROM rollup_days WHERE min_ts < ?")
			continue
		}
		stmts = append(stmts, "DELETE FROM "+t+" WHERE (site_id, vday) IN (SELECT (site_id, vday) FROM rollup_days WHERE min_ts < ?)")
	}
	stmts = append(stmts, "DELETE FROM events WHERE ts < ?")
	if err := s.deleteTx(ctx, stmts, cut); err != nil {
		return fmt.Errorf("duckdb: delete events before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// deleteTx runs stmts, each taking arg as its one parameter, in one
// transaction, serialised with the writers.
func (s *Store) deleteTx(ctx context.Context, stmts []string, arg any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt, arg); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return tx.Commit()
}

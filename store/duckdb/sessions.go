package duckdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// sessionAttrs are the stamped visit attributes rollup_sessions keeps,
// named as the events columns.
func sessionAttrs() []string {
	var cols []string
	for d, col := range store.Dimensions {
		if strings.HasPrefix(d, "visit:") {
			cols = append(cols, col)
		}
	}
	slices.Sort(cols)
	return cols
}

// rollupSessions writes the visits of rolled-up visitor days that lack
// them (days rolled up before rollup_sessions existed, or all of them
// after Compact of an older file), a visitor day at a time. It returns
// how many (site, visitor day) pairs it completed.
func (s *Store) rollupSessions(ctx context.Context) (int, error) {
	days, err := s.days(ctx, "SELECT DISTINCT d.vday FROM rollup_days d ANTI JOIN rollup_session_days x "+
		"ON x.site_id = d.site_id AND x.vday = d.vday ORDER BY d.vday")
	if err != nil {
		return 0, fmt.Errorf("duckdb: session rollup: %w", err)
	}
	total := 0
	for _, day := range days {
		n, err := s.rollupSessionsDay(ctx, day)
		if err != nil {
			return total, fmt.Errorf("duckdb: session rollup of day %d: %w", day, err)
		}
		total += n
	}
	return total, nil
}

func (s *Store) rollupSessionsDay(ctx context.Context, day int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Read again under the lock: a late event may have dropped the day.
	if _, err := tx.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE session_todo AS SELECT d.site_id, d.vday FROM rollup_days d "+
		"ANTI JOIN rollup_session_days x ON x.site_id = d.site_id AND x.vday = d.vday WHERE d.vday = ?", day); err != nil {
		return 0, err
	}
	attrs := sessionAttrs()
	var anyAttrs []string
	for _, a := range attrs {
		anyAttrs = append(anyAttrs, "any_value("+a+")")
	}
	// Visitor-id bounds rather than visitor_id >> 32: zone maps skip the
	// other days.
	lo, hi := uint64(day)<<32, uint64(day+1)<<32
	q := "INSERT INTO rollup_sessions (site_id, vday, visitor_id, session_id, n_act, s_pv, s_ce, s_dur, s_exit, " + strings.Join(attrs, ", ") + ") " +
		"SELECT e.site_id, any_value(e.visitor_id >> 32), any_value(e.visitor_id), e.session_id, " +
		"count(*) FILTER (WHERE name <> 'engagement') AS n_act, " +
		"count(*) FILTER (WHERE name = 'pageview'), " +
		"count(*) FILTER (WHERE name NOT IN ('pageview', 'engagement')), " +
		"max(ts) - min(ts), " +
		"coalesce(arg_max(pathname, (ts, pathname)) FILTER (WHERE name = 'pageview'), ''), " +
		strings.Join(anyAttrs, ", ") +
		" FROM events e SEMI JOIN session_todo t ON t.site_id = e.site_id WHERE e.visitor_id >= ?::UBIGINT AND e.visitor_id < ?::UBIGINT" +
		" GROUP BY e.site_id, e.session_id HAVING n_act > 0 ORDER BY e.site_id"
	if _, err := tx.ExecContext(ctx, q, lo, hi); err != nil {
		return 0, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM session_todo").Scan(&n); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO rollup_session_days SELECT site_id, vday FROM session_todo"); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE session_todo"); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// sessionDays returns the site's visitor days whose visits are in
// rollup_sessions and whose events all lie in [from, to), ascending.
func (s *Store) sessionDays(ctx context.Context, site int64, from, to time.Time) ([]int64, error) {
	return s.days(ctx, "SELECT d.vday FROM rollup_days d SEMI JOIN rollup_session_days x ON x.site_id = d.site_id AND x.vday = d.vday "+
		"WHERE d.site_id = ? AND d.min_ts >= ? AND d.max_ts < ? ORDER BY d.vday", site, ceilMilli(from), ceilMilli(to))
}

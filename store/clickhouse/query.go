package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/footfallhq/footfall/store"
)

// runner runs compiled statements. The Store runs them on its server; the
// dialect test runs the same statements on chdb (a current ClickHouse as a
// library), so both go through the same result handling.
type runner interface {
	// groups runs sql, whose columns are nd strings and then nm Float64
	// values, and calls fn with each row (fn must copy what it keeps). When
	// the statement ends in LIMIT, it also returns the rows there were
	// before it, if the engine reported them (ok).
	groups(ctx context.Context, sql string, nd, nm int, fn func(dims []string, vals []float64)) (before uint64, ok bool, err error)
	// scalar runs sql, which returns one UInt64.
	scalar(ctx context.Context, sql string) (uint64, error)
}

// groups takes the rows before LIMIT from the profile the server sends
// after the rows: a query with GROUP BY or ORDER BY passes every row
// through to the LIMIT, so the figure is exact (newer servers are asked
// to keep it so, as they may stop reading early otherwise).
func (s *Store) groups(ctx context.Context, sql string, nd, nm int, fn func([]string, []float64)) (uint64, bool, error) {
	var before uint64
	var ok bool
	opts := []ch.QueryOption{ch.WithProfileInfo(func(p *ch.ProfileInfo) {
		if p.AppliedLimit {
			before, ok = max(before, p.RowsBeforeLimit), true
		}
	})}
	if exactRowsBeforeLimit(s.version) {
		opts = append(opts, ch.WithSettings(ch.Settings{"exact_rows_before_limit": 1}))
	}
	rows, err := s.conn.Query(ch.Context(ctx, opts...), sql)
	if err != nil {
		return 0, false, unavailable(err)
	}
	defer rows.Close()
	dest := make([]any, nd+nm)
	strs := make([]string, nd)
	vals := make([]float64, nm)
	for i := range nd {
		dest[i] = &strs[i]
	}
	for i := range nm {
		dest[nd+i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return 0, false, unavailable(err)
		}
		fn(strs, vals)
	}
	if err := rows.Err(); err != nil {
		return 0, false, unavailable(err)
	}
	return before, ok, nil // the profile came before the end of the stream
}

// exactRowsBeforeLimit reports whether the server has the setting that
// keeps the rows-before-LIMIT figure exact (22.5 on); older ones count
// every row anyway for the statements compiled here.
func exactRowsBeforeLimit(v Version) bool { return v.AtLeast(22, 5) }

func (s *Store) scalar(ctx context.Context, sql string) (uint64, error) {
	var n uint64
	if err := s.conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		return 0, unavailable(err)
	}
	return n, nil
}

// Query answers q with one statement, and a second that counts the groups
// when a page of them was asked for (18.16 has no window functions to
// count them in the same pass). The semantics are those of
// storetest.Evaluate; see compile for the statement. Metric values come
// back exact and are rounded here, as every backend rounds them.
func (s *Store) Query(ctx context.Context, q store.Query) (store.Result, error) {
	res, err := runQuery(ctx, s, q)
	if err != nil {
		return store.Result{}, fmt.Errorf("clickhouse: query: %w", err)
	}
	return res, nil
}

func runQuery(ctx context.Context, r runner, q store.Query) (store.Result, error) {
	c, err := compile(q)
	if err != nil {
		return store.Result{}, err
	}
	nd := len(q.Dimensions)
	res := store.Result{Rows: []store.Row{}}
	before, counted, err := r.groups(ctx, c.sql, nd, len(q.Metrics), func(dims []string, vals []float64) {
		row := store.Row{Dimensions: slices.Clone(dims), Metrics: make([]float64, len(vals))}
		for i, v := range vals {
			row.Metrics[i] = store.Round(q.Metrics[i], v)
		}
		res.Rows = append(res.Rows, row)
	})
	if err != nil {
		return store.Result{}, err
	}
	switch {
	case !c.grouped:
		res.TotalRows = 1 // an ungrouped aggregate is always one row, paged away or not
	case q.Offset == 0 && (q.Limit == 0 || len(res.Rows) < q.Limit):
		res.TotalRows = len(res.Rows)
	case counted:
		// What the server saw before LIMIT: no second statement (on 18.16
		// it would group every row again).
		res.TotalRows = int(before)
	default:
		n, err := r.scalar(ctx, c.countSQL)
		if err != nil {
			return store.Result{}, fmt.Errorf("count rows: %w", err)
		}
		res.TotalRows = int(n)
	}
	return res, nil
}

// Funnel answers q with one statement per step: the sessions that reached
// step i and when, each step joined to the sessions of the one before.
// Steps are counted in separate statements so that none grows with the
// square of the funnel's length (the server's query size is bounded).
func (s *Store) Funnel(ctx context.Context, q store.FunnelQuery) ([]int64, error) {
	out, err := runFunnel(ctx, s, q)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: funnel: %w", err)
	}
	return out, nil
}

func runFunnel(ctx context.Context, r runner, q store.FunnelQuery) ([]int64, error) {
	stmts, err := compileFunnel(q)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(stmts))
	for i, stmt := range stmts {
		n, err := r.scalar(ctx, stmt)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		out[i] = int64(n)
		if n == 0 {
			break // nobody reaches a later step either
		}
	}
	return out, nil
}

// compileFunnel returns, per step, the statement counting the visitors
// who reached it.
func compileFunnel(q store.FunnelQuery) ([]string, error) {
	if len(q.Steps) == 0 {
		return nil, fmt.Errorf("funnel without steps: %w", store.ErrUnsupported)
	}
	k, err := newCompiler(store.Query{SiteID: q.SiteID, From: q.From, To: q.To, Filters: q.Filters, Goals: q.Goals, Metrics: []string{"events"}})
	if err != nil {
		return nil, err
	}
	b, _, err := k.base()
	if err != nil {
		return nil, err
	}
	stmts := make([]string, len(q.Steps))
	prev := ""
	for i, step := range q.Steps {
		if (step.EventName == "") == (step.Page == "") {
			return nil, fmt.Errorf("funnel step %d needs an event name or a page: %w", i+1, store.ErrUnsupported)
		}
		n := "f" + strconv.Itoa(i)
		rows := "SELECT session_id, visitor_id, ts FROM (" + b + ") WHERE act AND conv AND " + k.goalCond(step)
		var f string
		if i == 0 {
			f = "SELECT session_id, any(visitor_id) AS " + n + "_v, min(ts) AS " + n + "_t FROM (" + rows + ") GROUP BY session_id"
		} else {
			p := "f" + strconv.Itoa(i-1)
			f = "SELECT session_id, any(" + p + "_v) AS " + n + "_v, min(ts) AS " + n + "_t FROM (" + rows + ") AS fl" +
				" ALL INNER JOIN (" + prev + ") AS fr USING (session_id) WHERE ts > " + p + "_t GROUP BY session_id"
		}
		stmts[i] = "SELECT uniqExact(" + n + "_v) FROM (" + f + ")"
		prev = f
	}
	return stmts, nil
}

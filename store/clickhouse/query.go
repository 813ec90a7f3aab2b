package clickhouse

import (
	"context"
	"fmt"
	"strconv"

	"github.com/footfallhq/footfall/store"
)

// Query answers q with one statement, and a second that counts the groups
// when a page of them was asked for (18.16 has no window functions to
// count them in the same pass). The semantics are those of
// storetest.Evaluate; see compile for the statement. Metric values come
// back exact and are rounded here, as every backend rounds them.
func (s *Store) Query(ctx context.Context, q store.Query) (store.Result, error) {
	c, err := compile(q)
	if err != nil {
		return store.Result{}, fmt.Errorf("clickhouse: query: %w", err)
	}
	rows, err := s.conn.Query(ctx, c.sql)
	if err != nil {
		return store.Result{}, fmt.Errorf("clickhouse: query: %w", unavailable(err))
	}
	defer rows.Close()
	nd, nm := len(q.Dimensions), len(q.Metrics)
	res := store.Result{Rows: []store.Row{}}
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
			return store.Result{}, fmt.Errorf("clickhouse: query: %w", unavailable(err))
		}
		r := store.Row{Dimensions: make([]string, nd), Metrics: make([]float64, nm)}
		copy(r.Dimensions, strs)
		for i, v := range vals {
			r.Metrics[i] = store.Round(q.Metrics[i], v)
		}
		res.Rows = append(res.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return store.Result{}, fmt.Errorf("clickhouse: query: %w", unavailable(err))
	}
	switch {
	case !c.grouped:
		res.TotalRows = 1 // an ungrouped aggregate is always one row, paged away or not
	case q.Offset == 0 && (q.Limit == 0 || len(res.Rows) < q.Limit):
		res.TotalRows = len(res.Rows)
	default:
		var n uint64
		if err := s.conn.QueryRow(ctx, c.countSQL).Scan(&n); err != nil {
			return store.Result{}, fmt.Errorf("clickhouse: query: count rows: %w", err)
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
	stmts, err := compileFunnel(q)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: funnel: %w", err)
	}
	out := make([]int64, len(stmts))
	for i, stmt := range stmts {
		var n uint64
		if err := s.conn.QueryRow(ctx, stmt).Scan(&n); err != nil {
			return nil, fmt.Errorf("clickhouse: funnel step %d: %w", i+1, unavailable(err))
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
			f = "SELECT session_id, any(" + p + "_v) AS " + n + "_v, min(ts) AS " + n + "_t FROM (" + rows + ")" +
				" ALL INNER JOIN (" + prev + ") USING (session_id) WHERE ts > " + p + "_t GROUP BY session_id"
		}
		stmts[i] = "SELECT uniqExact(" + n + "_v) FROM (" + f + ")"
		prev = f
	}
	return stmts, nil
}

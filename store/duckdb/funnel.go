package duckdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/footfallhq/footfall/store"
)

// Funnel answers q with one statement: the rows passing the filters (b,
// as for Query), then per step the sessions that reached it and when,
// each step joined to the sessions of the one before.
func (s *Store) Funnel(ctx context.Context, q store.FunnelQuery) ([]int64, error) {
	if len(q.Steps) == 0 {
		return nil, fmt.Errorf("duckdb: funnel without steps: %w", store.ErrUnsupported)
	}
	k := &compiler{
		q:       store.Query{SiteID: q.SiteID, From: q.From, To: q.To, Filters: q.Filters, Goals: q.Goals, Metrics: []string{"events"}},
		goalDim: -1, goals: map[string]store.Goal{},
	}
	for _, g := range q.Goals {
		k.goals[g.Name] = g
	}
	for _, f := range q.Filters {
		if f.Dimension == store.DimGoal {
			k.goalFilters = append(k.goalFilters, f)
		} else {
			k.otherFilters = append(k.otherFilters, f)
		}
		if usesExitPage(f) {
			k.sessions = true
		}
	}
	var b builder
	if err := k.head(&b, nil); err != nil {
		return nil, fmt.Errorf("duckdb: funnel: %w", err)
	}
	counts := make([]string, len(q.Steps))
	for i, step := range q.Steps {
		var cond string
		switch {
		case step.EventName != "":
			cond = "b.ename = " + b.param(step.EventName)
		case step.Page != "":
			cond = "b.ename = 'pageview' AND b.pathname IN (SELECT DISTINCT pathname FROM r WHERE regexp_matches(pathname, " + b.param(store.PageRegexp(step.Page)) + "))"
		default:
			return nil, fmt.Errorf("duckdb: funnel step %d is empty: %w", i+1, store.ErrUnsupported)
		}
		name := "f" + strconv.Itoa(i)
		if i == 0 {
			b.WriteString(", f0 AS (SELECT b.session_id, any_value(b.visitor_id) AS v, min(b.ts) AS t FROM b WHERE b.act AND b.conv AND " + cond + " GROUP BY b.session_id)")
		} else {
			prev := "f" + strconv.Itoa(i-1)
			b.WriteString(", " + name + " AS (SELECT " + prev + ".session_id, any_value(" + prev + ".v) AS v, min(b.ts) AS t FROM " + prev +
				" JOIN b ON b.session_id = " + prev + ".session_id AND b.ts > " + prev + ".t WHERE b.act AND b.conv AND " + cond +
				" GROUP BY " + prev + ".session_id)")
		}
		counts[i] = "(SELECT count(DISTINCT v) FROM " + name + ")"
	}
	b.WriteString(" SELECT " + strings.Join(counts, ", "))
	out := make([]int64, len(q.Steps))
	dest := make([]any, len(out))
	for i := range out {
		dest[i] = &out[i]
	}
	if err := s.db.QueryRowContext(ctx, b.String(), b.args...).Scan(dest...); err != nil {
		return nil, fmt.Errorf("duckdb: funnel: %w", err)
	}
	return out, nil
}

package duckdb

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

// FuzzCompile feeds stats API bodies through the query layer into the
// compiler and proves that nothing from the request reaches SQL text:
// compiling the same query with every value the client chose (filter
// values, property keys, goals) replaced by others gives the very same
// statement, so those values can only be parameters. Identifiers
// (metrics, dimensions) come from fixed tables and are checked by
// Validate. The seed corpus is in testdata/fuzz/FuzzCompile.
func FuzzCompile(f *testing.F) {
	for _, body := range []string{
		`{"site_id":"a.b","metrics":["visitors","bounce_rate"],"date_range":"7d","dimensions":["visit:source"]}`,
		`{"site_id":"a.b","metrics":["events"],"date_range":"all","dimensions":["event:props:plan'); DROP TABLE events; --"],"filters":[["is","event:props:x' OR 1=1",["y"]]]}`,
		`{"site_id":"a.b","metrics":["visitors","conversion_rate"],"date_range":"30d","dimensions":["event:goal"],"filters":[["is","event:goal",["Signup"]]]}`,
		`{"site_id":"a.b","metrics":["lcp_p75","cls_good"],"date_range":"day","filters":[["matches","event:page",["^/blog/(.*)$"]],["not",["contains","visit:city",["'--"]]]]}`,
		`{"site_id":"a.b","metrics":["visitors"],"date_range":["2026-01-01","2026-01-31"],"dimensions":["time:week","visit:exit_page"],"order_by":[["visitors","asc"]],"pagination":{"limit":5,"offset":5}}`,
	} {
		f.Add([]byte(body))
	}
	site := store.Site{ID: 1, Domain: "a.b", TimeZone: "Europe/Berlin"}
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := query.Parse(body)
		if err != nil {
			return
		}
		q, err := query.Resolve(req, site, now, storetest.Goals)
		if err != nil {
			var ie *query.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Resolve(%s) = %v, not an InputError", body, err)
			}
			return
		}
		c, err := compile(q)
		if err != nil {
			t.Fatalf("compile of a validated query %+v: %v", q, err)
		}
		other, err := compile(renamed(q))
		if err != nil {
			t.Fatalf("compile of the renamed query: %v", err)
		}
		if c.sql != other.sql {
			t.Fatalf("a value of the request changed the SQL text:\n%s\n%s", c.sql, other.sql)
		}
		if strings.Count(c.sql, "?") != len(c.args) {
			t.Fatalf("%d placeholders for %d arguments in %s", strings.Count(c.sql, "?"), len(c.args), c.sql)
		}
	})
}

// renamed returns q with every client-chosen value replaced.
func renamed(q store.Query) store.Query {
	names := map[string]string{}
	rename := func(s string) string {
		if n, ok := names[s]; ok {
			return n
		}
		names[s] = fmt.Sprintf("value-%d", len(names))
		return names[s]
	}
	var filters func(fs []store.Filter) []store.Filter
	filters = func(fs []store.Filter) []store.Filter {
		out := make([]store.Filter, len(fs))
		for i, f := range fs {
			out[i] = store.Filter{Op: f.Op, Dimension: renameDim(f.Dimension, rename), Children: filters(f.Children)}
			for _, v := range f.Values {
				out[i].Values = append(out[i].Values, rename(v))
			}
		}
		return out
	}
	r := q
	r.Filters = filters(q.Filters)
	r.Dimensions = nil
	for _, d := range q.Dimensions {
		r.Dimensions = append(r.Dimensions, renameDim(d, rename))
	}
	r.OrderBy = nil
	for _, o := range q.OrderBy {
		r.OrderBy = append(r.OrderBy, store.Order{Key: renameDim(o.Key, rename), Desc: o.Desc})
	}
	r.Goals = nil
	for _, g := range q.Goals {
		ng := store.Goal{Name: rename(g.Name)}
		if g.EventName != "" {
			ng.EventName = rename(g.EventName)
		} else {
			ng.Page = "/" + rename(g.Page)
		}
		r.Goals = append(r.Goals, ng)
	}
	return r
}

func renameDim(d string, rename func(string) string) string {
	if k, ok := strings.CutPrefix(d, store.PropsPrefix); ok {
		return store.PropsPrefix + rename(k)
	}
	return d
}

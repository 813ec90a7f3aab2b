package storetest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/footfallhq/footfall/store"
)

// update is registered in every test binary that imports storetest, so
// `go test ./store/duckdb -update` rewrites the shared golden file.
var update = flag.Bool("update", false, "rewrite storetest's golden files from the backend under test")

// QueryCase is one named query of the suite.
type QueryCase struct {
	Name  string
	Query store.Query
}

// goldenCase is one entry of the golden file. The query is stored with its
// result so that a review of the file shows what each number answers, and
// so that a changed case without a rewritten file fails loudly.
type goldenCase struct {
	Name   string       `json:"name"`
	Query  store.Query  `json:"query"`
	Result store.Result `json:"result"`
}

type goldenDataset struct {
	Seed   int64     `json:"seed"`
	Events int       `json:"events"`
	From   time.Time `json:"from"`
	Days   int       `json:"days"`
}

type goldenFile struct {
	Dataset goldenDataset `json:"dataset"`
	Cases   []goldenCase  `json:"cases"`
}

// encodeGolden writes one line per query and per result row, so that a
// changed number shows as a one-line diff in review.
func encodeGolden(g goldenFile) ([]byte, error) {
	var b bytes.Buffer
	line := func(prefix string, v any, suffix string) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.WriteString(prefix)
		b.Write(data)
		b.WriteString(suffix + "\n")
		return nil
	}
	if err := line("{\n  \"dataset\": ", g.Dataset, ","); err != nil {
		return nil, err
	}
	b.WriteString("  \"cases\": [\n")
	for i, c := range g.Cases {
		if err := line("    {\"name\": ", c.Name, ","); err != nil {
			return nil, err
		}
		if err := line("     \"query\": ", c.Query, ","); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "     \"result\": {\"TotalRows\": %d, \"Rows\": [", c.Result.TotalRows)
		for j, r := range c.Result.Rows {
			sep := ","
			if j == len(c.Result.Rows)-1 {
				sep = ""
			}
			if err := line("\n       ", r, sep); err != nil {
				return nil, err
			}
			b.Truncate(b.Len() - 1) // the newline goes before the next row
		}
		end := "]}},"
		if i == len(g.Cases)-1 {
			end = "]}}"
		}
		b.WriteString(end + "\n")
	}
	b.WriteString("  ]\n}\n")
	// Prove the hand-made layout is JSON that reads back the same.
	var back goldenFile
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		return nil, fmt.Errorf("golden file layout: %w", err)
	}
	return b.Bytes(), nil
}

// goldenPath is next to this file, wherever the test runs from.
func goldenPath(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("storetest: cannot locate the golden file")
	}
	return filepath.Join(filepath.Dir(file), "testdata", "events.golden.json")
}

// goldenMu serialises golden-file writes of backends running in parallel.
var goldenMu sync.Mutex

func eventsTestQueries(t *testing.T, open OpenEvents) {
	events := Dataset(eventsSeed, eventsN, eventsFrom, eventsDays)
	s, _ := open(t)
	eventsLoad(t, s, events)

	var golden goldenFile
	if !*update {
		data, err := os.ReadFile(goldenPath(t))
		if err != nil {
			t.Fatalf("read golden file (run with -update to create it): %v", err)
		}
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatalf("parse golden file: %v", err)
		}
	}
	want := map[string]goldenCase{}
	for _, g := range golden.Cases {
		want[g.Name] = g
	}

	cases := QueryCases()
	got := make([]goldenCase, len(cases))
	t.Run("Case", func(t *testing.T) {
		for i, c := range cases {
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				res, err := s.Query(t.Context(), c.Query)
				if err != nil {
					t.Fatalf("Query(%+v): %v", c.Query, err)
				}
				got[i] = goldenCase{c.Name, c.Query, res}

				ref, err := Evaluate(events, c.Query)
				if err != nil {
					t.Fatalf("Evaluate(%+v): %v", c.Query, err)
				}
				if diff := diffResult(ref, res); diff != "" {
					t.Errorf("Query(%+v) disagrees with Evaluate (-Evaluate +backend):\n%s", c.Query, diff)
				}
				if *update {
					return
				}
				g, ok := want[c.Name]
				if !ok {
					t.Fatalf("no golden result for %q: run with -update", c.Name)
				}
				if diff := cmp.Diff(g.Query, c.Query, cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("golden query of %q is stale (-golden +case): run with -update\n%s", c.Name, diff)
				}
				if diff := diffResult(g.Result, res); diff != "" {
					t.Errorf("Query(%+v) differs from the golden file (-golden +backend):\n%s", c.Query, diff)
				}
			})
		}
	})
	if *update && !t.Failed() {
		writeGolden(t, got)
	}
}

func writeGolden(t testing.TB, cases []goldenCase) {
	data, err := encodeGolden(goldenFile{goldenDataset{eventsSeed, eventsN, eventsFrom, eventsDays}, cases})
	if err != nil {
		t.Fatalf("encode golden file: %v", err)
	}
	goldenMu.Lock()
	defer goldenMu.Unlock()
	path := goldenPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("write golden file: %v", err)
	}
	t.Logf("wrote %s (%d cases)", path, len(cases))
}

func diffResult(want, got store.Result) string {
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

// QueryCases returns the suite's queries over the Dataset of the suite:
// totals, a breakdown by every dimension, time buckets in three zones
// (one with a half-hour offset, one with DST changes in range), every
// filter operator and their nesting, orders, pagination, and the empty
// answers. Benchmarks may use them too.
func QueryCases() []QueryCase {
	all := []string{"visitors", "visits", "pageviews", "events"}
	q := func(mod func(*store.Query)) store.Query {
		x := store.Query{SiteID: 1, From: eventsFrom, To: eventsUntil, Metrics: all}
		mod(&x)
		return x
	}
	is := func(dim string, v ...string) store.Filter { return store.Filter{Op: "is", Dimension: dim, Values: v} }
	isNot := func(dim string, v ...string) store.Filter {
		return store.Filter{Op: "is_not", Dimension: dim, Values: v}
	}
	contains := func(dim string, v ...string) store.Filter {
		return store.Filter{Op: "contains", Dimension: dim, Values: v}
	}
	containsNot := func(dim string, v ...string) store.Filter {
		return store.Filter{Op: "contains_not", Dimension: dim, Values: v}
	}
	and := func(c ...store.Filter) store.Filter { return store.Filter{Op: "and", Children: c} }
	or := func(c ...store.Filter) store.Filter { return store.Filter{Op: "or", Children: c} }
	not := func(c store.Filter) store.Filter { return store.Filter{Op: "not", Children: []store.Filter{c}} }

	cases := []QueryCase{
		{"totals", q(func(*store.Query) {})},
		{"totals/site-2", q(func(x *store.Query) { x.SiteID = 2 })},
		{"totals/site-3", q(func(x *store.Query) { x.SiteID = 3 })},
		{"totals/unknown-site", q(func(x *store.Query) { x.SiteID = 999 })},
		{"totals/empty-range", q(func(x *store.Query) {
			x.From, x.To = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
		})},
		{"totals/one-minute", q(func(x *store.Query) {
			x.From = time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
			x.To = x.From.Add(time.Minute)
		})},
		{"totals/metric-order", q(func(x *store.Query) { x.Metrics = []string{"events", "visitors"} })},
		{"breakdown/empty-range", q(func(x *store.Query) {
			x.From, x.To = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
			x.Dimensions = []string{"visit:source"}
		})},
		{"breakdown/unknown-site", q(func(x *store.Query) { x.SiteID = 999; x.Dimensions = []string{"event:page"} })},
	}
	dims := make([]string, 0, len(store.Dimensions))
	for d := range store.Dimensions {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	for _, d := range dims {
		cases = append(cases, QueryCase{"by/" + d, q(func(x *store.Query) { x.Dimensions = []string{d} })})
	}

	for _, tz := range []string{"UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin"} {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			panic(err)
		}
		// Ranges start and end at local midnight, as the query layer makes
		// them.
		month := func(x *store.Query) {
			x.TimeZone = tz
			x.From = time.Date(2026, 3, 1, 0, 0, 0, 0, loc).UTC()
			x.To = time.Date(2026, 4, 1, 0, 0, 0, 0, loc).UTC()
		}
		for _, d := range []string{"time:day", "time:week", "time:month"} {
			cases = append(cases, QueryCase{d + "/" + tz, q(func(x *store.Query) {
				month(x)
				x.Metrics = []string{"visitors", "pageviews"}
				x.Dimensions = []string{d}
				x.OrderBy = []store.Order{{Key: d}}
			})})
		}
		// Two days around a DST change where there is one.
		day := time.Date(2026, 3, 7, 0, 0, 0, 0, loc)
		if tz == "Europe/Berlin" {
			day = time.Date(2026, 3, 28, 0, 0, 0, 0, loc)
		}
		cases = append(cases, QueryCase{"time:hour/" + tz, q(func(x *store.Query) {
			x.TimeZone = tz
			x.From, x.To = day.UTC(), day.AddDate(0, 0, 2).UTC()
			x.Metrics = []string{"pageviews", "visits"}
			x.Dimensions = []string{"time:hour"}
			x.OrderBy = []store.Order{{Key: "time:hour"}}
		})})
	}
	cases = append(cases,
		QueryCase{"time/default-order", q(func(x *store.Query) {
			x.TimeZone = "Asia/Kolkata"
			x.Dimensions = []string{"time"}
		})},
		QueryCase{"time:week/partial-range", q(func(x *store.Query) {
			x.From = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
			x.To = time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
			x.Dimensions = []string{"time:week"}
			x.OrderBy = []store.Order{{Key: "time:week", Desc: true}}
		})},
		QueryCase{"two-dimensions", q(func(x *store.Query) {
			x.Dimensions = []string{"visit:source", "visit:device"}
		})},
		QueryCase{"dimension-and-time", q(func(x *store.Query) {
			x.TimeZone = "America/New_York"
			x.Dimensions = []string{"time:week", "visit:country"}
			x.OrderBy = []store.Order{{Key: "time:week"}, {Key: "visitors", Desc: true}}
		})},

		QueryCase{"filter/is", q(func(x *store.Query) {
			x.Filters = []store.Filter{is("visit:country", "DE")}
			x.Dimensions = []string{"visit:city"}
		})},
		QueryCase{"filter/is-many", q(func(x *store.Query) { x.Filters = []store.Filter{is("visit:browser", "Chrome", "Firefox")} })},
		QueryCase{"filter/is-empty", q(func(x *store.Query) {
			x.Filters = []store.Filter{is("visit:utm_source", "")}
			x.Dimensions = []string{"visit:source"}
		})},
		QueryCase{"filter/is-not", q(func(x *store.Query) {
			x.Filters = []store.Filter{isNot("visit:source", "", "Google")}
			x.Dimensions = []string{"visit:source"}
		})},
		QueryCase{"filter/is-not-empty", q(func(x *store.Query) {
			x.Filters = []store.Filter{isNot("visit:city", "")}
		})},
		QueryCase{"filter/is-no-match", q(func(x *store.Query) {
			x.Filters = []store.Filter{is("visit:country", "ZZ")}
			x.Dimensions = []string{"visit:country"}
		})},
		QueryCase{"filter/contains-case", q(func(x *store.Query) {
			x.Filters = []store.Filter{contains("event:page", "DOCS")}
			x.Dimensions = []string{"event:page"}
		})},
		QueryCase{"filter/contains-many", q(func(x *store.Query) {
			x.Filters = []store.Filter{contains("visit:referrer", "google", "BING.com")}
			x.Dimensions = []string{"visit:referrer"}
		})},
		QueryCase{"filter/contains-unicode", q(func(x *store.Query) {
			x.Filters = []store.Filter{contains("visit:city", "SÃO", "RÉAL")}
			x.Dimensions = []string{"visit:city"}
		})},
		QueryCase{"filter/contains-not", q(func(x *store.Query) {
			x.Filters = []store.Filter{containsNot("event:page", "blog", "docs")}
			x.Dimensions = []string{"event:page"}
		})},
		QueryCase{"filter/several", q(func(x *store.Query) {
			x.Filters = []store.Filter{is("visit:device", "mobile"), containsNot("visit:channel", "search")}
			x.Dimensions = []string{"visit:browser"}
		})},
		QueryCase{"filter/nested", q(func(x *store.Query) {
			x.Filters = []store.Filter{or(
				is("visit:country", "US"),
				and(is("visit:device", "mobile"), not(is("visit:browser", "Safari"))),
			)}
			x.Dimensions = []string{"visit:device"}
		})},
		QueryCase{"filter/double-negation", q(func(x *store.Query) {
			x.Filters = []store.Filter{not(isNot("visit:os", "Windows")), not(or(contains("event:page", "post"), is("event:page", "/")))}
		})},
		QueryCase{"filter/custom-events", q(func(x *store.Query) {
			x.Metrics = []string{"events", "visitors"}
			x.Filters = []store.Filter{isNot("event:name", "pageview")}
			x.Dimensions = []string{"event:name"}
		})},
		QueryCase{"filter/engagement-ignored", q(func(x *store.Query) { x.Filters = []store.Filter{is("event:name", "engagement")} })},
		QueryCase{"filter/entry-page", q(func(x *store.Query) {
			x.Filters = []store.Filter{is("visit:entry_page", "/pricing")}
			x.Dimensions = []string{"event:page"}
			x.Limit = 10
		})},

		QueryCase{"order/metric-asc", q(func(x *store.Query) {
			x.Dimensions = []string{"visit:country"}
			x.OrderBy = []store.Order{{Key: "visitors"}}
		})},
		QueryCase{"order/dimension-desc", q(func(x *store.Query) {
			x.Dimensions = []string{"visit:browser", "visit:os"}
			x.OrderBy = []store.Order{{Key: "visit:os", Desc: true}}
		})},
		QueryCase{"order/two-keys", q(func(x *store.Query) {
			x.Dimensions = []string{"visit:channel", "visit:device"}
			x.OrderBy = []store.Order{{Key: "visits", Desc: true}, {Key: "visit:device"}}
		})},
		QueryCase{"order/ties", q(func(x *store.Query) {
			x.Metrics = []string{"visits"}
			x.Dimensions = []string{"event:page"}
			x.Filters = []store.Filter{contains("event:page", "/blog/post-")}
		})},

		QueryCase{"page/first", q(func(x *store.Query) { x.Dimensions = []string{"event:page"}; x.Limit = 10 })},
		QueryCase{"page/second", q(func(x *store.Query) { x.Dimensions = []string{"event:page"}; x.Limit = 10; x.Offset = 10 })},
		QueryCase{"page/last-partial", q(func(x *store.Query) { x.Dimensions = []string{"event:page"}; x.Limit = 10; x.Offset = 55 })},
		QueryCase{"page/offset-only", q(func(x *store.Query) { x.Dimensions = []string{"visit:country"}; x.Offset = 3 })},
		QueryCase{"page/beyond-end", q(func(x *store.Query) { x.Dimensions = []string{"event:page"}; x.Limit = 10; x.Offset = 1000 })},
		QueryCase{"page/totals-offset", q(func(x *store.Query) { x.Offset = 1 })},
		QueryCase{"page/filtered", q(func(x *store.Query) {
			x.Dimensions = []string{"event:page"}
			x.Filters = []store.Filter{is("visit:source", "Google")}
			x.Limit = 5
			x.Offset = 5
		})},
	)

	session := []string{"visits", "views_per_visit", "bounce_rate", "visit_duration"}
	var perfAll []string
	for _, m := range store.Metrics {
		if _, ok := store.ParsePerfMetric(m); ok {
			perfAll = append(perfAll, m)
		}
	}
	goals := func(x *store.Query) { x.Goals = Goals }
	matches := func(dim string, v ...string) store.Filter {
		return store.Filter{Op: "matches", Dimension: dim, Values: v}
	}
	matchesNot := func(dim string, v ...string) store.Filter {
		return store.Filter{Op: "matches_not", Dimension: dim, Values: v}
	}
	goal := func(v ...string) store.Filter { return store.Filter{Op: "is", Dimension: store.DimGoal, Values: v} }
	cases = append(cases,
		QueryCase{"session/totals", q(func(x *store.Query) { x.Metrics = session })},
		QueryCase{"session/by-source", q(func(x *store.Query) { x.Metrics = session; x.Dimensions = []string{"visit:source"} })},
		QueryCase{"session/by-day", q(func(x *store.Query) {
			x.Metrics = session
			x.TimeZone = "Europe/Berlin"
			x.Dimensions = []string{"time:day"}
			x.OrderBy = []store.Order{{Key: "time:day"}}
		})},
		QueryCase{"session/event-filter", q(func(x *store.Query) {
			x.Metrics = append([]string{"visitors"}, session...)
			x.Filters = []store.Filter{is("event:page", "/pricing")}
			x.Dimensions = []string{"visit:device"}
		})},
		QueryCase{"session/order-by-bounce-rate", q(func(x *store.Query) {
			x.Metrics = []string{"visitors", "bounce_rate"}
			x.Dimensions = []string{"visit:entry_page"}
			x.OrderBy = []store.Order{{Key: "bounce_rate", Desc: true}}
			x.Limit = 12
		})},
		QueryCase{"by/visit:exit_page", q(func(x *store.Query) {
			x.Metrics = []string{"visitors", "visits", "pageviews", "bounce_rate"}
			x.Dimensions = []string{store.DimExitPage}
			x.Limit = 15
		})},
		QueryCase{"filter/exit-page", q(func(x *store.Query) {
			x.Filters = []store.Filter{or(is(store.DimExitPage, "/pricing"), contains(store.DimExitPage, "SIGN"))}
			x.Dimensions = []string{"event:page"}
			x.Limit = 10
		})},
		QueryCase{"by/visit:country_name", q(func(x *store.Query) { x.Dimensions = []string{"visit:country_name"} })},
		QueryCase{"by/visit:city_name", q(func(x *store.Query) { x.Dimensions = []string{"visit:region_name", "visit:city_name"} })},
		QueryCase{"percentage/by-country", q(func(x *store.Query) {
			x.Metrics = []string{"visitors", "percentage"}
			x.Dimensions = []string{"visit:country"}
		})},
		QueryCase{"percentage/filtered", q(func(x *store.Query) {
			x.Metrics = []string{"percentage", "visitors"}
			x.Dimensions = []string{"visit:browser"}
			x.Filters = []store.Filter{is("visit:device", "mobile")}
		})},
		QueryCase{"revenue/by-currency-event", q(func(x *store.Query) {
			x.Metrics = []string{"total_revenue", "average_revenue", "events"}
			x.Dimensions = []string{"event:name"}
		})},
		QueryCase{"revenue/by-plan-period", q(func(x *store.Query) {
			x.Metrics = []string{"total_revenue", "average_revenue"}
			x.Dimensions = []string{"event:props:period"}
			x.Filters = []store.Filter{is("event:name", "Purchase")}
		})},
		QueryCase{"page/metrics", q(func(x *store.Query) {
			x.Metrics = []string{"pageviews", "scroll_depth", "time_on_page"}
			x.Dimensions = []string{"event:page"}
			x.Limit = 20
		})},
		QueryCase{"page/metrics-totals", q(func(x *store.Query) {
			x.Metrics = []string{"scroll_depth", "time_on_page"}
			x.Filters = []store.Filter{contains("event:page", "blog")}
		})},
		QueryCase{"perf/totals", q(func(x *store.Query) { x.Metrics = perfAll })},
		QueryCase{"perf/by-page", q(func(x *store.Query) {
			x.Metrics = []string{"lcp_p75", "inp_p75", "cls_p75", "fcp_p75", "ttfb_p75", "lcp_good", "lcp_needs_improvement", "lcp_poor", "cls_good", "cls_poor"}
			x.Dimensions = []string{"event:page"}
			x.Limit = 15
		})},
		QueryCase{"perf/timings-by-device", q(func(x *store.Query) {
			x.Metrics = []string{"dns_p75", "connect_p75", "tls_p75", "response_p75", "dom_p75", "load_p75", "load_p95", "response_p50"}
			x.Dimensions = []string{"visit:device"}
		})},
		QueryCase{"perf/filtered-by-day", q(func(x *store.Query) {
			x.Metrics = []string{"lcp_p75", "pageviews", "inp_poor"}
			x.Dimensions = []string{"time:day"}
			x.Filters = []store.Filter{is("visit:country", "DE")}
			x.OrderBy = []store.Order{{Key: "time:day"}}
		})},
		QueryCase{"by/event:goal", q(func(x *store.Query) {
			goals(x)
			x.Metrics = []string{"visitors", "events", "conversion_rate"}
			x.Dimensions = []string{store.DimGoal}
		})},
		QueryCase{"goal/by-goal-and-source", q(func(x *store.Query) {
			goals(x)
			x.Metrics = []string{"visitors", "conversion_rate", "group_conversion_rate"}
			x.Dimensions = []string{"visit:source", store.DimGoal}
			x.Limit = 20
		})},
		QueryCase{"goal/filter", q(func(x *store.Query) {
			goals(x)
			x.Metrics = []string{"visitors", "events", "conversion_rate", "group_conversion_rate"}
			x.Dimensions = []string{"visit:source"}
			x.Filters = []store.Filter{goal("Signup", "Purchase")}
		})},
		QueryCase{"goal/filter-page-goal", q(func(x *store.Query) {
			goals(x)
			x.Metrics = []string{"visitors", "pageviews", "conversion_rate"}
			x.Filters = []store.Filter{goal("Docs"), is("visit:device", "desktop")}
		})},
		QueryCase{"goal/filter-with-time", q(func(x *store.Query) {
			goals(x)
			x.Metrics = []string{"visitors", "group_conversion_rate"}
			x.Dimensions = []string{"time:week"}
			x.Filters = []store.Filter{goal("Blog post")}
			x.OrderBy = []store.Order{{Key: "time:week"}}
		})},
		QueryCase{"goal/not-and-nested", q(func(x *store.Query) {
			goals(x)
			x.Metrics = []string{"visitors", "events"}
			x.Dimensions = []string{"event:name"}
			x.Filters = []store.Filter{or(not(goal("Pricing")), store.Filter{Op: "is_not", Dimension: store.DimGoal, Values: []string{"Docs", "Signup"}})}
		})},
		QueryCase{"by/event:props:plan", q(func(x *store.Query) {
			x.Metrics = []string{"visitors", "events"}
			x.Dimensions = []string{"event:props:plan"}
		})},
		QueryCase{"props/url-limited", q(func(x *store.Query) {
			x.Metrics = []string{"events"}
			x.Dimensions = []string{"event:name", "event:props:url"}
			x.Filters = []store.Filter{isNot("event:props:url", store.NoneValue)}
			x.Limit = 8
		})},
		QueryCase{"props/filters", q(func(x *store.Query) {
			x.Metrics = []string{"visitors", "events"}
			x.Dimensions = []string{"event:name"}
			x.Filters = []store.Filter{contains("event:props:url", "REPO1", "report-3"), is("event:props:plan", store.NoneValue)}
		})},
		QueryCase{"filter/matches", q(func(x *store.Query) {
			x.Filters = []store.Filter{matches("event:page", `^/blog/post-\d+$`, "^/docs$")}
			x.Dimensions = []string{"event:page"}
			x.Limit = 10
		})},
		QueryCase{"filter/matches-not", q(func(x *store.Query) {
			x.Filters = []store.Filter{matchesNot("visit:referrer", "google|bing"), matches("visit:city", "(?i)^s")}
			x.Dimensions = []string{"visit:city"}
		})},
	)
	return cases
}

// Goals are the goals of the suite's sites: custom events, exact pages and
// wildcard pages.
var Goals = []store.Goal{
	{Name: "Signup", EventName: "Signup"},
	{Name: "Purchase", EventName: "Purchase"},
	{Name: "Docs", Page: "/docs/**"},
	{Name: "Pricing", Page: "/pricing"},
	{Name: "Blog post", Page: "/blog/*"},
	{Name: "Never", EventName: "No such event"},
}

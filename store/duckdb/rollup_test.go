package duckdb_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

// TestQueriesWithRollups runs every conformance case, and every panel of
// a dashboard view with and without filters, against the Go oracle with
// part of the range rolled up, all of it rolled up, and after a late event
// dropped a rolled day: a rollup must never change an answer.
func TestQueriesWithRollups(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const days = 35
	events := storetest.Dataset(20260301, 20_000, from, days)
	s := open(t, "")
	ctx := t.Context()
	if err := s.Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	zones := []string{"UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin"}
	rollup := func(before time.Time) {
		t.Helper()
		if _, err := s.Rollup(ctx, before); err != nil {
			t.Fatalf("Rollup: %v", err)
		}
		for site := int64(1); site <= 3; site++ {
			for _, tz := range zones {
				if _, err := s.RollupSeries(ctx, site, tz); err != nil {
					t.Fatalf("RollupSeries: %v", err)
				}
			}
			if _, err := s.RollupGoals(ctx, site, storetest.Goals); err != nil {
				t.Fatalf("RollupGoals: %v", err)
			}
		}
	}

	type namedQuery struct {
		name string
		q    store.Query
	}
	var cases []namedQuery
	for _, c := range storetest.QueryCases() {
		cases = append(cases, namedQuery{c.Name, c.Query})
	}
	filters := map[string][]store.Filter{
		"unfiltered": nil,
		"country":    {{Op: "is", Dimension: "visit:country", Values: []string{"DE"}}},
		"page":       {{Op: "is", Dimension: "event:page", Values: []string{"/"}}},
		"source-not": {{Op: "is_not", Dimension: "visit:source", Values: []string{"Google"}}},
	}
	for name, f := range filters {
		for _, tz := range []string{"UTC", "Europe/Berlin"} {
			loc, _ := time.LoadLocation(tz)
			// A month from local midnight, and a week ending in the present
			// (the newest days are never rolled up).
			for _, r := range [][2]time.Time{
				{time.Date(2026, 3, 2, 0, 0, 0, 0, loc), time.Date(2026, 4, 1, 0, 0, 0, 0, loc)},
				{time.Date(2026, 3, 29, 0, 0, 0, 0, loc), time.Date(2026, 4, 6, 0, 0, 0, 0, loc)},
			} {
				for _, p := range query.DashboardQueries(1, r[0].UTC(), r[1].UTC(), tz, f, storetest.Goals) {
					cases = append(cases, namedQuery{"dashboard/" + name + "/" + tz + "/" + r[0].Format(time.DateOnly) + "/" + p.Name, p.Query})
				}
			}
		}
	}

	check := func(stage string, events []store.Event) {
		t.Helper()
		t.Run(stage, func(t *testing.T) {
			for _, c := range cases {
				got, err := s.Query(ctx, c.q)
				if err != nil {
					t.Errorf("%s: Query: %v", c.name, err)
					continue
				}
				want, err := storetest.Evaluate(events, c.q)
				if err != nil {
					t.Fatalf("%s: Evaluate: %v", c.name, err)
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s: Query differs from Evaluate (-want +got):\n%s", c.name, diff)
				}
			}
		})
	}

	check("raw", events)
	rollup(from.AddDate(0, 0, 20))
	check("days-0-18-rolled", events)
	rollup(from.AddDate(0, 0, days+2))
	check("all-rolled", events)

	// A late event (a queue replayed after an outage) in a rolled day.
	late := events[len(events)/2]
	late.Timestamp = late.Timestamp.Add(time.Minute)
	late.Name, late.Pathname = "pageview", "/late"
	if err := s.Append(ctx, []store.Event{late}); err != nil {
		t.Fatal(err)
	}
	withLate := append(append([]store.Event(nil), events...), late)
	check("after-late-event", withLate)
	rollup(from.AddDate(0, 0, days+2))
	check("rolled-again", withLate)
}

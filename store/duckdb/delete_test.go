package duckdb_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

// TestDeleteEventsBeforeRollups checks that retention takes the rollups of
// the days it cuts with it: rolled-up answers after a deletion are those
// of the events that remain, before and after the next Rollup.
func TestDeleteEventsBeforeRollups(t *testing.T) {
	t.Parallel()
	s := open(t, "")
	ctx := t.Context()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	events := storetest.Dataset(11, 4000, from, 20)
	if err := s.Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rollup(ctx, from.AddDate(0, 0, 30)); err != nil {
		t.Fatalf("Rollup: %v", err)
	}
	cut := from.AddDate(0, 0, 8).Add(7 * time.Hour)
	if err := s.DeleteEventsBefore(ctx, cut); err != nil {
		t.Fatalf("DeleteEventsBefore: %v", err)
	}
	var kept []store.Event
	for _, e := range events {
		if !e.Timestamp.Before(cut) {
			kept = append(kept, e)
		}
	}
	q := store.Query{SiteID: 1, From: from, To: from.AddDate(0, 0, 25), Metrics: []string{"visitors", "visits", "pageviews", "bounce_rate"}, Dimensions: []string{"visit:source"}}
	check := func(when string) {
		t.Helper()
		got, err := s.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: Query: %v", when, err)
		}
		want, err := storetest.Evaluate(kept, q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: Query differs from Evaluate over the kept events (-want +got):\n%s", when, diff)
		}
	}
	check("after DeleteEventsBefore")
	if _, err := s.Rollup(ctx, from.AddDate(0, 0, 30)); err != nil {
		t.Fatalf("Rollup: %v", err)
	}
	check("after the next Rollup")
}

package storetest

import (
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// eventsTestDelete checks store.EventDeleter: a site's deletion leaves the
// other sites whole, retention removes exactly what is older than the cut
// (whole months and part of one), and both can run again.
func eventsTestDelete(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	d, ok := s.(store.EventDeleter)
	if !ok {
		t.Skip("backend does not implement store.EventDeleter")
	}
	ctx := t.Context()
	// Three months, so that retention drops a whole month and cuts one.
	from := time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)
	events := Dataset(8, 6000, from, 60)
	eventsLoad(t, s, events)
	counts := func(when string, deletedSite int64, cut time.Time) {
		t.Helper()
		for site := int64(1); site <= 3; site++ {
			want := countIn(events, site, cut, time.Time{})
			if site == deletedSite {
				want = 0
			}
			if got := eventsCount(t, s, site, time.Time{}, time.Time{}); got != want {
				t.Errorf("%s: Count(site %d) = %d, want %d", when, site, got, want)
			}
		}
	}

	if err := d.DeleteSiteEvents(ctx, 2); err != nil {
		t.Fatalf("DeleteSiteEvents(2): %v", err)
	}
	counts("after DeleteSiteEvents(2)", 2, time.Time{})
	if err := d.DeleteSiteEvents(ctx, 2); err != nil {
		t.Errorf("DeleteSiteEvents(2) again: %v", err)
	}
	q := store.Query{SiteID: 2, From: from, To: from.AddDate(0, 0, 70), Metrics: []string{"visitors", "events"}}
	if res, err := s.Query(ctx, q); err != nil || len(res.Rows) != 1 || res.Rows[0].Metrics[1] != 0 {
		t.Errorf("Query(deleted site) = %+v, %v; want no events", res, err)
	}

	cut := time.Date(2026, 3, 3, 12, 30, 0, 0, time.UTC)
	if err := d.DeleteEventsBefore(ctx, cut); err != nil {
		t.Fatalf("DeleteEventsBefore(%v): %v", cut, err)
	}
	counts("after DeleteEventsBefore", 2, cut)
	if err := d.DeleteEventsBefore(ctx, cut); err != nil {
		t.Errorf("DeleteEventsBefore(%v) again: %v", cut, err)
	}
	counts("after DeleteEventsBefore again", 2, cut)
	// What remains still answers queries like the oracle.
	var kept []store.Event
	for _, e := range events {
		if e.SiteID != 2 && !e.Timestamp.Before(cut) {
			kept = append(kept, e)
		}
	}
	q = store.Query{SiteID: 1, From: from, To: from.AddDate(0, 0, 70), Metrics: []string{"visitors", "visits", "pageviews"}, Dimensions: []string{"visit:source"}}
	got, err := s.Query(ctx, q)
	if err != nil {
		t.Fatalf("Query after deletions: %v", err)
	}
	want, err := Evaluate(kept, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffResult(want, got); diff != "" {
		t.Errorf("Query after deletions differs from Evaluate (-Evaluate +backend):\n%s", diff)
	}
}

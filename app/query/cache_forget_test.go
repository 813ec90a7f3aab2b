package query

import (
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// TestCacheForget: Forget drops every answer of the site, whatever its
// range (even one long past, which new events would leave alone), keeps
// other sites' answers, and tells the other replicas.
func TestCacheForget(t *testing.T) {
	c := NewCache(10)
	var published []map[int64]time.Time
	c.publish = func(m map[int64]time.Time) { published = append(published, m) }
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	c.put("a-old", store.Query{SiteID: 1, From: old, To: old.Add(24 * time.Hour)}, store.Result{TotalRows: 1}, time.Hour)
	c.put("a-now", store.Query{SiteID: 1, From: time.Now().Add(-time.Hour), To: time.Now()}, store.Result{TotalRows: 2}, time.Hour)
	c.put("b", store.Query{SiteID: 2, From: old, To: old.Add(24 * time.Hour)}, store.Result{TotalRows: 3}, time.Hour)
	c.Forget(1)
	for key, want := range map[string]bool{"a-old": false, "a-now": false, "b": true} {
		if _, ok := c.get(key); ok != want {
			t.Errorf("after Forget(1), get(%q) found = %v, want %v", key, ok, want)
		}
	}
	if len(published) != 1 || len(published[0]) != 1 || !published[0][1].Before(old) {
		t.Errorf("Forget(1) published %v, want site 1 since before any range", published)
	}
	// The message the other replicas get round-trips to the same effect.
	if _, sites, err := parseInvalidation(formatInvalidation("x", published[0])); err != nil || !sites[1].Before(old) {
		t.Errorf("the invalidation message reads back as %v, %v", sites, err)
	}
}

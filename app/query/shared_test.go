package query

import (
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/redis"
	"github.com/footfallhq/footfall/store/redis/redistest"
)

// TestCacheShared: a batch stored by one replica drops the other
// replica's answers it could change, and only those.
func TestCacheShared(t *testing.T) {
	c, err := redis.Open(t.Context(), redistest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	a, b := NewCache(10), NewCache(10)
	for _, cache := range []*Cache{a, b} {
		if err := cache.Share(t.Context(), c.Broadcaster("bcast:"), nil); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	yesterday := store.Query{SiteID: 1, From: day.Add(-24 * time.Hour), To: day}
	today := store.Query{SiteID: 1, From: day, To: day.Add(24 * time.Hour)}
	otherSite := store.Query{SiteID: 2, From: day, To: day.Add(24 * time.Hour)}
	for _, cache := range []*Cache{a, b} {
		cache.put("yesterday", yesterday, store.Result{}, time.Hour)
		cache.put("today", today, store.Result{}, time.Hour)
		cache.put("other", otherSite, store.Result{}, time.Hour)
	}
	a.Stored([]store.Event{{SiteID: 1, Timestamp: day.Add(time.Hour)}})
	for _, cache := range []*Cache{a, b} {
		waitFor(t, func() bool { _, ok := cache.get("today"); return !ok })
		for _, key := range []string{"yesterday", "other"} {
			if _, ok := cache.get(key); !ok {
				t.Errorf("answer %q dropped, want it kept", key)
			}
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the other replica's cache kept a stale answer for 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInvalidationMessage(t *testing.T) {
	since := time.UnixMilli(1_700_000_000_123)
	origin, sites, err := parseInvalidation(formatInvalidation("abc", map[int64]time.Time{7: since, 9: since.Add(time.Second)}))
	if err != nil || origin != "abc" || len(sites) != 2 || !sites[7].Equal(since) || !sites[9].Equal(since.Add(time.Second)) {
		t.Errorf("round trip = %q %v %v", origin, sites, err)
	}
	for _, bad := range []string{"abc\n7", "abc\nx 1", "abc\n7 y"} {
		if _, _, err := parseInvalidation(bad); err == nil {
			t.Errorf("parseInvalidation(%q) succeeded, want an error", bad)
		}
	}
}

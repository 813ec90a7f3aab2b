package memory

import (
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

func TestCache(t *testing.T) {
	storetest.RunCache(t, func(testing.TB) store.Cache { return NewCache(0) })
}

func TestLimiter(t *testing.T) {
	storetest.RunLimiter(t, func(testing.TB) store.Limiter { return NewLimiter() })
}

func TestLocker(t *testing.T) {
	storetest.RunLocker(t, func(_ testing.TB, ttl time.Duration) store.Locker { return NewLocker(ttl) })
}

// TestCacheBounded: a full cache makes room instead of growing.
func TestCacheBounded(t *testing.T) {
	c := NewCache(100)
	for i := range 1000 {
		if err := c.Set(t.Context(), string(rune('a'+i%26))+string(rune(i)), []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.entries); n > 100 {
		t.Errorf("cache of at most 100 holds %d entries", n)
	}
	// The newest value is always kept.
	if _, err := c.Get(t.Context(), string(rune('a'+999%26))+string(rune(999))); err != nil {
		t.Errorf("Get(newest): %v", err)
	}
}

// TestLimiterForgetsIdleKeys: memory follows active keys, not every key
// ever seen.
func TestLimiterForgetsIdleKeys(t *testing.T) {
	l := NewLimiter()
	now := time.Unix(1_700_000_000, 0)
	l.now = func() time.Time { return now }
	lim := store.Limit{Rate: 10, Period: time.Second, Burst: 10}
	for i := range 500 {
		if _, err := l.Allow(t.Context(), string(rune(i)), lim); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(2 * time.Second)
	if _, err := l.Allow(t.Context(), "fresh", lim); err != nil {
		t.Fatal(err)
	}
	if n := len(l.tat); n != 1 {
		t.Errorf("limiter remembers %d keys after they went idle, want 1", n)
	}
}

package redis

import (
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

func TestCache(t *testing.T) {
	c := testClient(t)
	storetest.RunCache(t, func(t testing.TB) store.Cache { return c.Cache(testPrefix(t, c) + "cache:") })
}

func TestLimiter(t *testing.T) {
	c := testClient(t)
	storetest.RunLimiter(t, func(t testing.TB) store.Limiter { return c.Limiter(testPrefix(t, c) + "rate:") })
}

func TestLocker(t *testing.T) {
	c := testClient(t)
	storetest.RunLocker(t, func(t testing.TB, ttl time.Duration) store.Locker {
		return c.Locker(testPrefix(t, c)+"lock:", ttl)
	})
}

// TestCacheDeletePrefixStaysInside: a cache's DeletePrefix never touches
// keys outside its own prefix.
func TestCacheDeletePrefixStaysInside(t *testing.T) {
	c := testClient(t)
	p := testPrefix(t, c)
	a, b := c.Cache(p+"a:"), c.Cache(p+"b:")
	ctx := t.Context()
	for _, cache := range []*Cache{a, b} {
		if err := cache.Set(ctx, "q:1", []byte("x"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.DeletePrefix(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "q:1"); err != nil {
		t.Errorf("other cache's key after DeletePrefix: %v", err)
	}
}

func TestVisits(t *testing.T) {
	c := testClient(t)
	storetest.RunVisits(t, func(t testing.TB) store.VisitTable { return c.Visits(testPrefix(t, c) + "visit:") })
}

package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// RunCache runs the store.Cache conformance suite. open must return a new,
// empty cache on every call. Subtests run in parallel.
func RunCache(t *testing.T, open func(t testing.TB) store.Cache) {
	tests := []struct {
		name string
		run  func(t *testing.T, c store.Cache)
	}{
		{"GetSet", cacheTestGetSet},
		{"Expiry", cacheTestExpiry},
		{"Delete", cacheTestDelete},
		{"DeletePrefix", cacheTestDeletePrefix},
		{"KeepsOwnCopy", cacheTestKeepsOwnCopy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

func cacheWant(t testing.TB, c store.Cache, key string, want []byte) {
	t.Helper()
	got, err := c.Get(t.Context(), key)
	if want == nil {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%q) = %q, %v; want ErrNotFound", key, got, err)
		}
		return
	}
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Get(%q) = %q, %v; want %q", key, got, err, want)
	}
}

func cacheSet(t testing.TB, c store.Cache, key, value string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(t.Context(), key, []byte(value), ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func cacheTestGetSet(t *testing.T, c store.Cache) {
	cacheWant(t, c, "missing", nil)
	cacheSet(t, c, "a", "one", time.Minute)
	cacheSet(t, c, "b", "", time.Minute)
	cacheWant(t, c, "a", []byte("one"))
	cacheWant(t, c, "b", []byte{})
	cacheSet(t, c, "a", "two", time.Minute)
	cacheWant(t, c, "a", []byte("two"))
	if err := c.Set(t.Context(), "c", []byte("x"), 0); err == nil {
		t.Errorf("Set with ttl 0 succeeded, want an error")
	}
}

func cacheTestExpiry(t *testing.T, c store.Cache) {
	cacheSet(t, c, "short", "x", 150*time.Millisecond)
	cacheSet(t, c, "long", "y", time.Minute)
	cacheWant(t, c, "short", []byte("x"))
	time.Sleep(300 * time.Millisecond)
	cacheWant(t, c, "short", nil)
	cacheWant(t, c, "long", []byte("y"))
}

func cacheTestDelete(t *testing.T, c store.Cache) {
	cacheSet(t, c, "a", "1", time.Minute)
	cacheSet(t, c, "b", "2", time.Minute)
	cacheSet(t, c, "c", "3", time.Minute)
	if err := c.Delete(t.Context(), "a", "c", "missing"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	cacheWant(t, c, "a", nil)
	cacheWant(t, c, "b", []byte("2"))
	cacheWant(t, c, "c", nil)
	if err := c.Delete(t.Context()); err != nil {
		t.Errorf("Delete() of no keys: %v", err)
	}
}

func cacheTestDeletePrefix(t *testing.T, c store.Cache) {
	// Glob characters in keys are data, not patterns.
	keys := []string{"q:1:a", "q:1:b", "q:12:a", "q:2:a", "q:*:a", "q:[1]:a", "x:q:1:a"}
	for _, k := range keys {
		cacheSet(t, c, k, k, time.Minute)
	}
	for _, prefix := range []string{"q:1:", "q:*", "q:["} {
		if err := c.DeletePrefix(t.Context(), prefix); err != nil {
			t.Fatalf("DeletePrefix(%q): %v", prefix, err)
		}
	}
	for _, k := range []string{"q:1:a", "q:1:b", "q:*:a", "q:[1]:a"} {
		cacheWant(t, c, k, nil)
	}
	for _, k := range []string{"q:12:a", "q:2:a", "x:q:1:a"} {
		cacheWant(t, c, k, []byte(k))
	}
}

func cacheTestKeepsOwnCopy(t *testing.T, c store.Cache) {
	v := []byte("abc")
	if err := c.Set(t.Context(), "k", v, time.Minute); err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	got, err := c.Get(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	got[1] = 'Y'
	cacheWant(t, c, "k", []byte("abc"))
}

// RunLimiter runs the store.Limiter conformance suite. open must return a
// new limiter, sharing no keys with others, on every call.
func RunLimiter(t *testing.T, open func(t testing.TB) store.Limiter) {
	tests := []struct {
		name string
		run  func(t *testing.T, l store.Limiter)
	}{
		{"Burst", limiterTestBurst},
		{"Refill", limiterTestRefill},
		{"KeysIndependent", limiterTestKeys},
		{"Concurrent", limiterTestConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

func limiterAllow(t testing.TB, l store.Limiter, key string, lim store.Limit) store.Allowance {
	t.Helper()
	a, err := l.Allow(t.Context(), key, lim)
	if err != nil {
		t.Fatalf("Allow(%q): %v", key, err)
	}
	return a
}

func limiterTestBurst(t *testing.T, l store.Limiter) {
	lim := store.Limit{Rate: 1, Period: time.Minute, Burst: 3}
	for i := range 3 {
		a := limiterAllow(t, l, "k", lim)
		if !a.Allowed || a.Remaining != 2-i || a.RetryAfter != 0 {
			t.Errorf("Allow #%d within the burst = %+v, want allowed with %d remaining", i+1, a, 2-i)
		}
	}
	a := limiterAllow(t, l, "k", lim)
	if a.Allowed || a.Remaining != 0 {
		t.Errorf("Allow past the burst = %+v, want denied", a)
	}
	// One event a minute: the next is due in about 60 s.
	if a.RetryAfter < 50*time.Second || a.RetryAfter > time.Minute {
		t.Errorf("Allow past the burst: RetryAfter = %v, want about a minute", a.RetryAfter)
	}
}

func limiterTestRefill(t *testing.T, l store.Limiter) {
	lim := store.Limit{Rate: 10, Period: time.Second, Burst: 1} // one per 100 ms
	if a := limiterAllow(t, l, "k", lim); !a.Allowed {
		t.Fatalf("first Allow = %+v, want allowed", a)
	}
	a := limiterAllow(t, l, "k", lim)
	if a.Allowed || a.RetryAfter <= 0 || a.RetryAfter > 100*time.Millisecond {
		t.Fatalf("second Allow at once = %+v, want denied with RetryAfter in (0, 100ms]", a)
	}
	time.Sleep(a.RetryAfter + 20*time.Millisecond)
	if a := limiterAllow(t, l, "k", lim); !a.Allowed {
		t.Errorf("Allow after RetryAfter = %+v, want allowed", a)
	}
}

func limiterTestKeys(t *testing.T, l store.Limiter) {
	lim := store.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	for _, key := range []string{"a", "b", "c"} {
		if a := limiterAllow(t, l, key, lim); !a.Allowed {
			t.Errorf("first Allow(%q) = %+v, want allowed: keys have budgets of their own", key, a)
		}
	}
	if a := limiterAllow(t, l, "a", lim); a.Allowed {
		t.Errorf("second Allow(a) = %+v, want denied", a)
	}
}

func limiterTestConcurrent(t *testing.T, l store.Limiter) {
	lim := store.Limit{Rate: 1, Period: time.Hour, Burst: 10}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for range 40 {
		wg.Go(func() {
			a, err := l.Allow(t.Context(), "shared", lim)
			if err != nil {
				t.Errorf("Allow: %v", err)
				return
			}
			if a.Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 10 {
		t.Errorf("40 concurrent Allow calls with a burst of 10: %d allowed, want exactly 10", allowed)
	}
}

// RunLocker runs the store.Locker conformance suite. open must return a
// new locker, sharing no keys with others, whose locks expire after ttl.
func RunLocker(t *testing.T, open func(t testing.TB, ttl time.Duration) store.Locker) {
	tests := []struct {
		name string
		run  func(t *testing.T, open func(t testing.TB, ttl time.Duration) store.Locker)
	}{
		{"Exclusive", lockerTestExclusive},
		{"Expiry", lockerTestExpiry},
		{"Concurrent", lockerTestConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open)
		})
	}
}

func lockerTestExclusive(t *testing.T, open func(testing.TB, time.Duration) store.Locker) {
	l := open(t, time.Minute)
	ctx := t.Context()
	a, err := l.Lock(ctx, "job:salts")
	if err != nil {
		t.Fatalf("Lock(job:salts): %v", err)
	}
	if _, err := l.Lock(ctx, "job:salts"); !errors.Is(err, store.ErrLocked) {
		t.Errorf("second Lock(job:salts) = %v, want ErrLocked", err)
	}
	b, err := l.Lock(ctx, "job:sessions")
	if err != nil {
		t.Fatalf("Lock(job:sessions) while job:salts is held: %v", err)
	}
	if err := a.Unlock(ctx); err != nil {
		t.Fatalf("Unlock(job:salts): %v", err)
	}
	if err := a.Unlock(ctx); err == nil {
		t.Errorf("second Unlock(job:salts) succeeded, want an error")
	}
	again, err := l.Lock(ctx, "job:salts")
	if err != nil {
		t.Fatalf("Lock(job:salts) after Unlock: %v", err)
	}
	for _, lk := range []store.Lock{b, again} {
		if err := lk.Unlock(ctx); err != nil {
			t.Errorf("Unlock: %v", err)
		}
	}
}

func lockerTestExpiry(t *testing.T, open func(testing.TB, time.Duration) store.Locker) {
	l := open(t, 200*time.Millisecond)
	ctx := t.Context()
	old, err := l.Lock(ctx, "job")
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	fresh, err := l.Lock(ctx, "job")
	if err != nil {
		t.Fatalf("Lock after the first holder's lock expired: %v", err)
	}
	// The expired holder cannot release the new holder's lock.
	if err := old.Unlock(ctx); err == nil {
		t.Errorf("Unlock of an expired lock succeeded, want an error")
	}
	if _, err := l.Lock(ctx, "job"); !errors.Is(err, store.ErrLocked) {
		t.Errorf("Lock after an expired holder's Unlock = %v, want ErrLocked: the new holder's lock must stand", err)
	}
	if err := fresh.Unlock(ctx); err != nil {
		t.Errorf("Unlock: %v", err)
	}
}

func lockerTestConcurrent(t *testing.T, open func(testing.TB, time.Duration) store.Locker) {
	l := open(t, time.Minute)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		won   int
		other []error
	)
	for range 16 {
		wg.Go(func() {
			_, err := l.Lock(t.Context(), "job")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrLocked):
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	if won != 1 || len(other) > 0 {
		t.Errorf("16 concurrent Lock calls: %d won, errors %v; want exactly 1 winner, the rest ErrLocked", won, fmt.Sprint(other))
	}
}

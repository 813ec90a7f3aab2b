package open

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/memory"
)

// flakyLimiter is a shared limiter that can be taken down.
type flakyLimiter struct {
	store.Limiter
	down  atomic.Bool
	calls atomic.Int64
}

func (f *flakyLimiter) Allow(ctx context.Context, key string, l store.Limit) (store.Allowance, error) {
	f.calls.Add(1)
	if f.down.Load() {
		return store.Allowance{}, fmt.Errorf("redis: %w", store.ErrUnavailable)
	}
	return f.Limiter.Allow(ctx, key, l)
}

// TestFallbackLimiter: with the shared limiter failing, limits still hold
// (counted in process), the shared one is not asked again until the retry
// delay has passed, and it is used again once it answers.
func TestFallbackLimiter(t *testing.T) {
	shared := &flakyLimiter{Limiter: memory.NewLimiter()}
	l := newFallbackLimiter(shared, nil)
	now := time.Unix(1_000_000, 0)
	l.now = func() time.Time { return now }
	limit := store.PerMinute(3)
	allow := func() bool {
		t.Helper()
		a, err := l.Allow(t.Context(), "login:ip:1", limit)
		if err != nil {
			t.Fatalf("Allow: %v (a failing shared limiter must not surface)", err)
		}
		return a.Allowed
	}
	if !allow() {
		t.Fatal("first attempt refused")
	}
	shared.down.Store(true)
	var allowed int
	for range 10 {
		if allow() {
			allowed++
		}
	}
	if allowed != 3 {
		t.Errorf("with the shared limiter down: %d of 10 attempts allowed, want 3 (the limit, counted locally)", allowed)
	}
	if c := shared.calls.Load(); c != 2 {
		t.Errorf("shared limiter asked %d times, want 2 (once up, once to find it down)", c)
	}
	now = now.Add(6 * time.Second)
	shared.down.Store(false)
	allow()
	if c := shared.calls.Load(); c != 3 {
		t.Errorf("after the retry delay the shared limiter was asked %d times in all, want 3", c)
	}
	if _, err := l.Allow(t.Context(), "other", limit); err != nil || l.downUntil.Load() != 0 {
		t.Errorf("shared limiter back: err %v, downUntil %d; want it in use again", err, l.downUntil.Load())
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	shared.down.Store(true)
	if _, err := l.Allow(ctx, "k", limit); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Allow with a cancelled context = %v, want the shared limiter's error (no fallback for a caller that left)", err)
	}
}

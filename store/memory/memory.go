// Package memory implements the small shared-state contracts of store
// (Cache, Limiter, Locker) inside the process, for single-machine installs
// where there is no Redis and nothing to share. They pass the same
// conformance suites as the Redis ones.
package memory

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Cache is an in-process store.Cache holding at most MaxEntries values;
// when full, expired values go first, then arbitrary ones. Safe for
// concurrent use.
type Cache struct {
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	value   []byte
	expires time.Time
}

var _ store.Cache = (*Cache)(nil)

// NewCache returns a cache of at most maxEntries values (10,000 if not
// positive).
func NewCache(maxEntries int) *Cache {
	if maxEntries <= 0 {
		maxEntries = 10_000
	}
	return &Cache{max: maxEntries, now: time.Now, entries: map[string]cacheEntry{}}
}

// Get returns a copy of the value under key, or store.ErrNotFound.
func (c *Cache) Get(_ context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		return nil, store.ErrNotFound
	}
	return append([]byte{}, e.value...), nil
}

// Set stores a copy of value under key for ttl.
func (c *Cache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("memory: cache set %q: ttl %v is not positive", key, ttl)
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[key] = cacheEntry{value: append([]byte{}, value...), expires: now.Add(ttl)}
	return nil
}

// evict makes room for one entry: every expired one goes, or else (map
// order being random) an arbitrary tenth of the cache. Called with mu held.
func (c *Cache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	n := max(1, c.max/10)
	for k := range c.entries {
		if len(c.entries) < c.max || n == 0 {
			return
		}
		delete(c.entries, k)
		n--
	}
}

// Delete removes the given keys.
func (c *Cache) Delete(_ context.Context, keys ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		delete(c.entries, k)
	}
	return nil
}

// DeletePrefix removes every key starting with prefix.
func (c *Cache) DeletePrefix(_ context.Context, prefix string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if strings.HasPrefix(k, prefix) {
			delete(c.entries, k)
		}
	}
	return nil
}

// Limiter is an in-process store.Limiter implementing the generic cell
// rate algorithm: each key keeps the theoretical arrival time (TAT) of its
// next event; an event is allowed if it arrives no earlier than TAT minus
// the burst allowance, and then pushes TAT one emission interval
// (Period/Rate) further. Keys whose TAT is past are forgotten, so memory
// follows the keys active within a period. Safe for concurrent use.
type Limiter struct {
	now func() time.Time

	mu        sync.Mutex
	tat       map[string]time.Time
	lastSweep time.Time
}

var _ store.Limiter = (*Limiter)(nil)

// NewLimiter returns an empty limiter.
func NewLimiter() *Limiter {
	return &Limiter{now: time.Now, tat: map[string]time.Time{}}
}

// Allow counts one event for key against lim.
func (l *Limiter) Allow(_ context.Context, key string, lim store.Limit) (store.Allowance, error) {
	if lim.Rate <= 0 || lim.Period <= 0 {
		return store.Allowance{}, fmt.Errorf("memory: limit %+v: rate and period must be positive", lim)
	}
	burst := max(lim.Burst, 1)
	interval := lim.Period / time.Duration(lim.Rate)
	window := interval * time.Duration(burst)
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(interval)
	allowAt := newTAT.Add(-window)
	if now.Before(allowAt) {
		return store.Allowance{RetryAfter: allowAt.Sub(now)}, nil
	}
	l.tat[key] = newTAT
	return store.Allowance{Allowed: true, Remaining: int(now.Sub(allowAt) / interval)}, nil
}

// sweep forgets keys whose budget is full again, at most once a second.
// Called with mu held.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Second {
		return
	}
	l.lastSweep = now
	for k, t := range l.tat {
		if !t.After(now) {
			delete(l.tat, k)
		}
	}
}

// Locker is an in-process store.Locker whose locks expire after a TTL.
// Safe for concurrent use.
type Locker struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	locks map[string]heldLock
}

type heldLock struct {
	token   string
	expires time.Time
}

var _ store.Locker = (*Locker)(nil)

// NewLocker returns a locker whose locks expire after ttl (one minute if
// not positive) unless unlocked first.
func NewLocker(ttl time.Duration) *Locker {
	if ttl <= 0 {
		ttl = time.Minute
	}
	return &Locker{ttl: ttl, now: time.Now, locks: map[string]heldLock{}}
}

// Lock takes the lock named key, or returns store.ErrLocked at once.
func (l *Locker) Lock(_ context.Context, key string) (store.Lock, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if h, ok := l.locks[key]; ok && now.Before(h.expires) {
		return nil, fmt.Errorf("memory: lock %q: %w", key, store.ErrLocked)
	}
	h := heldLock{token: rand.Text(), expires: now.Add(l.ttl)}
	l.locks[key] = h
	return &lock{l: l, key: key, token: h.token}, nil
}

type lock struct {
	l          *Locker
	key, token string
}

var errNotHeld = errors.New("lock not held (expired or released)")

// Unlock releases the lock if this holder still has it.
func (k *lock) Unlock(context.Context) error {
	k.l.mu.Lock()
	defer k.l.mu.Unlock()
	h, ok := k.l.locks[k.key]
	if !ok || h.token != k.token || !k.l.now().Before(h.expires) {
		return fmt.Errorf("memory: unlock %q: %w", k.key, errNotHeld)
	}
	delete(k.l.locks, k.key)
	return nil
}

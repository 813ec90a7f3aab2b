package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bsm/redislock"
	"github.com/go-redis/redis_rate/v10"
	goredis "github.com/redis/go-redis/v9"

	"github.com/footfallhq/footfall/store"
)

// Cache is store.Cache on Redis string keys under a prefix, with Redis's
// own expiry.
type Cache struct {
	rdb    *goredis.Client
	prefix string
}

var _ store.Cache = (*Cache)(nil)

// Cache returns a cache whose keys live under the client's prefix +
// prefix (e.g. "cache:").
func (c *Client) Cache(prefix string) *Cache {
	return &Cache{rdb: c.rdb, prefix: c.prefix + prefix}
}

// Get returns the value under key, or store.ErrNotFound.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := c.rdb.Get(ctx, c.prefix+key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redis: cache get: %w", unavailable(err))
	}
	return v, nil
}

// Set stores value under key for ttl (at millisecond precision).
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redis: cache set %q: ttl %v is not positive", key, ttl)
	}
	if err := c.rdb.Set(ctx, c.prefix+key, value, max(ttl, time.Millisecond)).Err(); err != nil {
		return fmt.Errorf("redis: cache set: %w", unavailable(err))
	}
	return nil
}

// Delete removes the given keys.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.prefix + k
	}
	if err := c.rdb.Unlink(ctx, full...).Err(); err != nil {
		return fmt.Errorf("redis: cache delete: %w", unavailable(err))
	}
	return nil
}

// DeletePrefix removes every key starting with prefix. It walks the
// keyspace with SCAN (never KEYS, which would stall the server), so its
// cost grows with the database's size: meant for rare invalidations.
func (c *Cache) DeletePrefix(ctx context.Context, prefix string) error {
	iter := c.rdb.Scan(ctx, 0, globEscape(c.prefix+prefix)+"*", 1000).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := c.rdb.Unlink(ctx, batch...).Err()
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return fmt.Errorf("redis: cache delete prefix: %w", unavailable(err))
			}
		}
	}
	if err := errors.Join(iter.Err(), flush()); err != nil {
		return fmt.Errorf("redis: cache delete prefix: %w", unavailable(err))
	}
	return nil
}

// globEscape quotes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Limiter is store.Limiter on Redis with the generic cell rate algorithm
// (github.com/go-redis/redis_rate), so all replicas share each key's
// budget. Redis's clock decides, not the replicas'.
type Limiter struct {
	l      *redis_rate.Limiter
	prefix string
}

var _ store.Limiter = (*Limiter)(nil)

// Limiter returns a limiter whose keys are the client's prefix + prefix +
// the key, behind the "rate:" that redis_rate puts before every key; they
// expire once their budget is full again.
func (c *Client) Limiter(prefix string) *Limiter {
	return &Limiter{l: redis_rate.NewLimiter(c.rdb), prefix: c.prefix + prefix}
}

// Allow counts one event for key against lim.
func (l *Limiter) Allow(ctx context.Context, key string, lim store.Limit) (store.Allowance, error) {
	if lim.Rate <= 0 || lim.Period <= 0 {
		return store.Allowance{}, fmt.Errorf("redis: limit %+v: rate and period must be positive", lim)
	}
	res, err := l.l.Allow(ctx, l.prefix+key, redis_rate.Limit{Rate: lim.Rate, Period: lim.Period, Burst: max(lim.Burst, 1)})
	if err != nil {
		return store.Allowance{}, fmt.Errorf("redis: rate limit: %w", unavailable(err))
	}
	a := store.Allowance{Allowed: res.Allowed > 0, Remaining: res.Remaining}
	if !a.Allowed {
		a.RetryAfter = max(res.RetryAfter, 0)
	}
	return a, nil
}

// Locker is store.Locker on Redis (github.com/bsm/redislock): SET NX PX
// with a random token, released only by the token's holder. It serves as
// gocron's distributed locker so a job runs on one replica per tick.
type Locker struct {
	c      *redislock.Client
	prefix string
	ttl    time.Duration
}

var _ store.Locker = (*Locker)(nil)

// Locker returns a locker whose keys live under the client's prefix +
// prefix (e.g. "lock:") and whose locks expire after ttl (one minute if
// not positive) when their holder dies.
func (c *Client) Locker(prefix string, ttl time.Duration) *Locker {
	if ttl <= 0 {
		ttl = time.Minute
	}
	return &Locker{c: redislock.New(c.rdb), prefix: c.prefix + prefix, ttl: ttl}
}

// Lock takes the lock named key, or returns store.ErrLocked at once.
func (l *Locker) Lock(ctx context.Context, key string) (store.Lock, error) {
	lk, err := l.c.Obtain(ctx, l.prefix+key, l.ttl, nil)
	if errors.Is(err, redislock.ErrNotObtained) {
		return nil, fmt.Errorf("redis: lock %q: %w", key, store.ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("redis: lock %q: %w", key, unavailable(err))
	}
	return &lock{lk: lk, key: key}, nil
}

type lock struct {
	lk  *redislock.Lock
	key string
}

// Unlock releases the lock if this holder still has it.
func (k *lock) Unlock(ctx context.Context) error {
	if err := k.lk.Release(ctx); err != nil {
		return fmt.Errorf("redis: unlock %q: %w", k.key, unavailable(err))
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"time"
)

// ErrUnavailable wraps the error of a server backend (Redis, PostgreSQL,
// ClickHouse) that cannot be reached. For the ingest queue it means "try
// again later": the handler answers 503 with Retry-After, never 500.
var ErrUnavailable = errors.New("backend unavailable")

// ErrLocked is returned by Locker.Lock when another holder has the lock.
var ErrLocked = errors.New("locked by another holder")

// Cache holds short-lived values shared by the replicas (in process when
// there is only one): query results, site lookups. A cache may forget a
// value at any time; callers treat every miss alike and recompute.
type Cache interface {
	// Get returns the value stored under key, or ErrNotFound when there is
	// none or it expired.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl (which must be positive),
	// replacing any previous value. The cache keeps its own copy.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes the values of the given keys; missing keys are not an
	// error.
	Delete(ctx context.Context, keys ...string) error
	// DeletePrefix removes every value whose key starts with prefix, for
	// invalidating all the cached answers of one site at once. It is
	// meant for rare events (a site's settings changed), not every request.
	DeletePrefix(ctx context.Context, prefix string) error
}

// Limit is a rate: Rate events per Period, with bursts of up to Burst
// events (at least 1) allowed at once.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerSecond is n events a second with a burst of n.
func PerSecond(n int) Limit { return Limit{Rate: n, Period: time.Second, Burst: n} }

// PerMinute is n events a minute with a burst of n.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute, Burst: n} }

// Allowance is a Limiter's answer.
type Allowance struct {
	Allowed bool
	// Remaining is how many more events would be allowed right now.
	Remaining int
	// RetryAfter is how long to wait before the next event would be
	// allowed; 0 when Allowed.
	RetryAfter time.Duration
}

// Limiter rate-limits by key (an API key, a site, an IP hash) with the
// generic cell rate algorithm: smooth, no fixed-window bursts at window
// edges. Keys of all replicas share one budget on a server backend.
type Limiter interface {
	// Allow counts one event for key against limit and says whether it
	// may proceed. On an error the caller decides how to fail (the API
	// fails open: a down limiter must not take the dashboard down).
	Allow(ctx context.Context, key string, limit Limit) (Allowance, error)
}

// Locker hands out named, expiring locks so that one replica of several
// runs a scheduled job. Its method set matches gocron v2's Locker, so a
// Locker serves as gocron's distributed locker through a one-line adapter.
type Locker interface {
	// Lock takes the lock named key or returns ErrLocked (wrapped) at once
	// when another holder has it; it never waits. A lock expires after the
	// implementation's TTL if its holder dies without unlocking.
	Lock(ctx context.Context, key string) (Lock, error)
}

// Lock is a held lock.
type Lock interface {
	// Unlock releases the lock. Unlocking a lock that expired (and perhaps
	// was taken by another holder) returns an error and leaves the other
	// holder's lock alone.
	Unlock(ctx context.Context) error
}

// Broadcaster carries short messages to every replica listening on a
// topic: how one replica tells the others that something they keep in
// memory (a query answer) went stale. Delivery is at most once; a listener
// that may have missed messages is told so and must assume the worst.
type Broadcaster interface {
	// Publish sends msg to the topic's current listeners, this process's
	// included.
	Publish(ctx context.Context, topic string, msg []byte) error
	// Listen calls fn with every message on topic until ctx ends, and lost
	// whenever messages may have been missed (the connection dropped and
	// came back). It returns once listening has started; fn and lost are
	// called from one goroutine.
	Listen(ctx context.Context, topic string, fn func(msg []byte), lost func()) error
}

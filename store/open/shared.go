package open

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/memory"
	"github.com/footfallhq/footfall/store/redis"
)

// Shared is the state replicas share (FOOTFALL_REDIS_URL set) or that one
// process keeps to itself (unset): cache, rate limits, job locks, and on
// Redis the ingest queue.
type Shared struct {
	Cache   store.Cache
	Limiter store.Limiter
	Locker  store.Locker
	// Visits is the table of visits in progress on Redis, so a visitor
	// whose requests reach two replicas stays in one visit; nil in
	// process, where app/visitor keeps them in memory.
	Visits store.VisitTable
	// Broadcast tells the other replicas what went stale in their memory
	// (query answers); nil in process, where there are no others.
	Broadcast store.Broadcaster

	client *redis.Client // nil in process
}

// LockTTL bounds how long a job lock outlives a replica that died holding
// it.
const LockTTL = 10 * time.Minute

// OpenShared connects to the Redis server named by rawURL (redis:// or
// rediss://; ?prefix=P starts every key with P instead of "footfall:"),
// or with rawURL "" returns in-process equivalents.
func OpenShared(ctx context.Context, rawURL string, logger *slog.Logger) (*Shared, error) {
	if rawURL == "" {
		return &Shared{
			Cache:   memory.NewCache(0),
			Limiter: memory.NewLimiter(),
			Locker:  memory.NewLocker(LockTTL),
		}, nil
	}
	scheme, _, err := split(rawURL)
	if err != nil {
		return nil, err
	}
	if scheme != "redis" && scheme != "rediss" {
		return nil, fmt.Errorf("redis %s: unknown scheme %q (use redis:// or rediss://)", redact(rawURL), scheme)
	}
	c, err := redis.Open(ctx, rawURL, logger)
	if err != nil {
		return nil, fmt.Errorf("redis %s: %w", redact(rawURL), err)
	}
	// Keys: the URL's prefix (default "footfall:"), then the part's name;
	// the queue's stream is prefix + "events".
	return &Shared{
		Cache:     c.Cache("cache:"),
		Limiter:   newFallbackLimiter(c.Limiter(""), logger),
		Locker:    c.Locker("lock:", LockTTL),
		Visits:    c.Visits("visit:"),
		Broadcast: c.Broadcaster("bcast:"),
		client:    c,
	}, nil
}

// Redis reports whether the state lives on Redis, shared by replicas.
func (s *Shared) Redis() bool { return s.client != nil }

// Queue opens the ingest queue on a Redis stream; it exists only when
// Redis does (see Redis). o.MaxEvents bounds the stream's length.
func (s *Shared) Queue(ctx context.Context, o QueueOptions) (store.Queue, error) {
	if s.client == nil {
		return nil, errors.New("queue: no Redis configured (FOOTFALL_REDIS_URL)")
	}
	q, err := s.client.Queue(ctx, redis.QueueOptions{
		MaxLen: o.MaxEvents, StoredThrough: o.StoredThrough, Logger: o.Logger, Consumer: o.Consumer,
		ClaimIdle: o.ClaimIdle,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return q, nil
}

// Ping reports whether Redis answers; in process it always does.
func (s *Shared) Ping(ctx context.Context) error {
	if s.client == nil {
		return nil
	}
	return s.client.Ping(ctx)
}

// Close closes the Redis connections, after the queue was closed.
func (s *Shared) Close() error {
	if s.client == nil {
		return nil
	}
	return s.client.Close()
}

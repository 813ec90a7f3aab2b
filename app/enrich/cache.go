package enrich

import (
	"hash/maphash"
	"sync"
)

// uaShards spreads lock contention; a power of two so a mask picks one.
const uaShards = 16

// uaCache maps a user agent's hash to its parse result. Keys are 64-bit
// hashes rather than the strings themselves so that memory per entry is
// fixed however long the user agents are; with a per-process random seed a
// collision between real user agents is vanishingly unlikely and cannot be
// aimed for.
//
// Each shard keeps two generations: lookups hit the current map, then the
// previous one (promoting the entry); when the current map is full it
// becomes the previous one and the oldest generation is dropped. That
// keeps what is in use without the bookkeeping of a real LRU, and bounds
// memory at the configured number of entries.
type uaCache struct {
	seed   maphash.Seed
	limit  int // entries per generation per shard
	shards [uaShards]uaShard
}

type uaShard struct {
	mu       sync.Mutex
	cur, old map[uint64]UA
}

func newUACache(size int) *uaCache {
	c := &uaCache{seed: maphash.MakeSeed(), limit: max(1, size/(2*uaShards))}
	for i := range c.shards {
		c.shards[i].cur = make(map[uint64]UA)
	}
	return c
}

func (c *uaCache) key(ua string) uint64 { return maphash.String(c.seed, ua) }

func (c *uaCache) get(k uint64) (UA, bool) {
	s := &c.shards[k&(uaShards-1)]
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.cur[k]; ok {
		return v, true
	}
	if v, ok := s.old[k]; ok {
		s.putLocked(k, v, c.limit)
		return v, true
	}
	return UA{}, false
}

func (c *uaCache) put(k uint64, v UA) {
	s := &c.shards[k&(uaShards-1)]
	s.mu.Lock()
	s.putLocked(k, v, c.limit)
	s.mu.Unlock()
}

func (s *uaShard) putLocked(k uint64, v UA, limit int) {
	if len(s.cur) >= limit {
		s.old, s.cur = s.cur, make(map[uint64]UA, limit)
	}
	s.cur[k] = v
}

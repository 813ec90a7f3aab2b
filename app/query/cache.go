package query

import (
	"container/list"
	"sync"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Cache keeps recent answers of the events store in process. An answer is
// dropped when it expires, when the cache is full and it is the least
// recently used, or when events land for its site at or before the end of
// its range (Invalidate): yesterday's figures survive today's traffic,
// today's do not.
type Cache struct {
	mu      sync.Mutex
	max     int
	lru     *list.List // of *cacheEntry, most recent first
	entries map[string]*list.Element
	bySite  map[int64]map[string]*list.Element
	now     func() time.Time
	// publish, when set (Share), tells the other replicas what Stored
	// invalidated.
	publish func(map[int64]time.Time)
}

type cacheEntry struct {
	key     string
	site    int64
	to      time.Time
	expires time.Time
	res     store.Result
}

// NewCache returns a cache of at most max answers.
func NewCache(max int) *Cache {
	return &Cache{max: max, lru: list.New(), entries: map[string]*list.Element{}, bySite: map[int64]map[string]*list.Element{}, now: time.Now}
}

func (c *Cache) get(key string) (store.Result, bool) {
	if c == nil {
		return store.Result{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return store.Result{}, false
	}
	e := el.Value.(*cacheEntry)
	if c.now().After(e.expires) {
		c.remove(el)
		return store.Result{}, false
	}
	c.lru.MoveToFront(el)
	return e.res, true
}

func (c *Cache) put(key string, q store.Query, res store.Result, ttl time.Duration) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
	e := &cacheEntry{key: key, site: q.SiteID, to: q.To, expires: c.now().Add(ttl), res: res}
	el := c.lru.PushFront(e)
	c.entries[key] = el
	if c.bySite[q.SiteID] == nil {
		c.bySite[q.SiteID] = map[string]*list.Element{}
	}
	c.bySite[q.SiteID][key] = el
	for c.lru.Len() > c.max {
		c.remove(c.lru.Back())
	}
}

func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	if m := c.bySite[e.site]; m != nil {
		delete(m, e.key)
		if len(m) == 0 {
			delete(c.bySite, e.site)
		}
	}
}

// Invalidate drops the answers for site whose range ends after since:
// the ones events stored from since onwards could change.
func (c *Cache) Invalidate(site int64, since time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, el := range c.bySite[site] {
		if el.Value.(*cacheEntry).to.After(since) {
			c.remove(el)
		}
	}
}

// Stored is the batcher's hook: it invalidates, per site, what the stored
// events could change.
func (c *Cache) Stored(events []store.Event) {
	if c == nil || len(events) == 0 {
		return
	}
	oldest := map[int64]time.Time{}
	for i := range events {
		e := &events[i]
		if t, ok := oldest[e.SiteID]; !ok || e.Timestamp.Before(t) {
			oldest[e.SiteID] = e.Timestamp
		}
	}
	for site, t := range oldest {
		c.Invalidate(site, t)
	}
	c.mu.Lock()
	publish := c.publish
	c.mu.Unlock()
	if publish != nil {
		publish(oldest)
	}
}

// Forget drops every answer about site, here and (through the shared
// invalidation, when on) on the other replicas: its events were deleted.
func (c *Cache) Forget(site int64) {
	if c == nil {
		return
	}
	epoch := time.UnixMilli(0) // no range ends before it
	c.Invalidate(site, epoch)
	c.mu.Lock()
	publish := c.publish
	c.mu.Unlock()
	if publish != nil {
		publish(map[int64]time.Time{site: epoch})
	}
}

// Len returns the number of answers held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/footfallhq/footfall/store"
)

// SiteFinder is the part of the app store the site cache needs.
type SiteFinder interface {
	SiteByDomain(ctx context.Context, domain string) (store.Site, error)
}

// SiteCache keeps domain → site lookups off the database on the hot path.
// Misses are cached too (briefly), so a flood of events for unknown domains
// costs no queries; the cache is bounded and simply starts over when full.
type SiteCache struct {
	db      SiteFinder
	ttl     time.Duration
	maxSize int

	mu sync.RWMutex
	m  map[string]cachedSite
}

type cachedSite struct {
	site    store.Site
	missing bool
	expires time.Time
}

// NewSiteCache caches lookups in db for ttl.
func NewSiteCache(db SiteFinder, ttl time.Duration) *SiteCache {
	return &SiteCache{db: db, ttl: ttl, maxSize: 10000, m: make(map[string]cachedSite)}
}

// Get returns the site for domain, or store.ErrNotFound.
func (c *SiteCache) Get(ctx context.Context, domain string) (store.Site, error) {
	now := time.Now()
	c.mu.RLock()
	e, ok := c.m[domain]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		if e.missing {
			return store.Site{}, store.ErrNotFound
		}
		return e.site, nil
	}
	site, err := c.db.SiteByDomain(ctx, domain)
	missing := errors.Is(err, store.ErrNotFound)
	if err != nil && !missing {
		return store.Site{}, err
	}
	c.mu.Lock()
	if len(c.m) >= c.maxSize {
		c.m = make(map[string]cachedSite)
	}
	c.m[domain] = cachedSite{site: site, missing: missing, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return site, err
}

// Forget drops domain from the cache, so a site added or removed takes
// effect at once in this process.
func (c *SiteCache) Forget(domain string) {
	c.mu.Lock()
	delete(c.m, domain)
	c.mu.Unlock()
}

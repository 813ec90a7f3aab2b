package query

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/store"
)

// invalidateTopic carries "events for these sites landed" between replicas.
const invalidateTopic = "query-cache"

// Share keeps c in step with the caches of the other replicas. Each replica
// keeps its answers in its own memory (no decoding on a hit), and the one
// that stores a batch tells the others, through b, what to drop: Stored
// then publishes as well as invalidating here. When messages may have been
// lost, the whole cache is dropped. It returns once listening has started
// and stops with ctx.
func (c *Cache) Share(ctx context.Context, b store.Broadcaster, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return fmt.Errorf("query cache: replica id: %w", err)
	}
	origin := hex.EncodeToString(id[:])
	err := b.Listen(ctx, invalidateTopic, func(msg []byte) {
		from, sites, err := parseInvalidation(string(msg))
		if err != nil {
			logger.Warn("query cache: ignoring a bad invalidation", "err", err)
			c.Purge()
			return
		}
		if from == origin {
			return
		}
		for site, since := range sites {
			c.Invalidate(site, since)
		}
	}, c.Purge)
	if err != nil {
		return fmt.Errorf("query cache: %w", err)
	}
	c.mu.Lock()
	c.publish = func(sites map[int64]time.Time) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := b.Publish(ctx, invalidateTopic, []byte(formatInvalidation(origin, sites))); err != nil {
			// The others keep stale answers until they expire (a minute
			// for ranges that include the present).
			logger.Warn("query cache: cannot tell the other replicas", "err", err)
		}
	}
	c.mu.Unlock()
	return nil
}

// formatInvalidation is the message: the origin, then "site since-ms" per
// site, one per line.
func formatInvalidation(origin string, sites map[int64]time.Time) string {
	var b strings.Builder
	b.WriteString(origin)
	for site, since := range sites {
		fmt.Fprintf(&b, "\n%d %d", site, since.UnixMilli())
	}
	return b.String()
}

func parseInvalidation(msg string) (origin string, sites map[int64]time.Time, err error) {
	lines := strings.Split(msg, "\n")
	sites = make(map[int64]time.Time, len(lines)-1)
	for _, l := range lines[1:] {
		a, b, ok := strings.Cut(l, " ")
		site, err1 := strconv.ParseInt(a, 10, 64)
		ms, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return "", nil, fmt.Errorf("line %q", l)
		}
		sites[site] = time.UnixMilli(ms)
	}
	return lines[0], sites, nil
}

// Purge drops every answer.
func (c *Cache) Purge() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.entries)
	clear(c.bySite)
}

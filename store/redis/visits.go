package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/footfallhq/footfall/store"
)

// Visits is store.VisitTable on Redis: one hash per (site, visitor id)
// holding the visit's id, visitor, last event time and entry, expiring
// idle after its last event.
type Visits struct {
	rdb    *goredis.Client
	prefix string
}

var _ store.VisitTable = (*Visits)(nil)

// Visits returns the shared visit table, its keys under the client's
// prefix + prefix (e.g. "visit:").
func (c *Client) Visits(prefix string) *Visits {
	return &Visits{rdb: c.rdb, prefix: c.prefix + prefix}
}

// joinScript does the lookup, the extension and the opening in one round
// trip and atomically, so two replicas receiving a visitor's first two
// events at once open one visit between them. Ids stay strings: Lua
// numbers are doubles and would round 64-bit ids.
//
// KEYS: today's key, then yesterday's if any. ARGV: now (unix ms), idle
// (ms), fresh id ("0": look only), fresh visitor, fresh entry.
var joinScript = goredis.NewScript(`
local now = tonumber(ARGV[1])
local idle = tonumber(ARGV[2])
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'id', 'visitor', 'last', 'entry')
  if v[1] then
    local last = tonumber(v[3])
    if now - last < idle then
      if now > last then
        redis.call('HSET', KEYS[i], 'last', ARGV[1])
        redis.call('PEXPIRE', KEYS[i], idle)
      end
      return {v[1], v[2], v[4]}
    end
  end
end
if ARGV[3] == '0' then
  return false
end
redis.call('HSET', KEYS[1], 'id', ARGV[3], 'visitor', ARGV[4], 'last', ARGV[1], 'entry', ARGV[5])
redis.call('PEXPIRE', KEYS[1], idle)
return {ARGV[3], ARGV[4], ARGV[5]}
`)

// Join implements store.VisitTable.
func (t *Visits) Join(ctx context.Context, site int64, ids [2]uint64, now time.Time, idle time.Duration, fresh store.Visit) (store.Visit, bool, error) {
	if ids[0] == 0 {
		return store.Visit{}, false, errors.New("redis: join visit: no visitor id")
	}
	if idle < time.Millisecond {
		return store.Visit{}, false, fmt.Errorf("redis: join visit: idle %v is under a millisecond", idle)
	}
	keys := []string{t.key(site, ids[0])}
	if ids[1] != 0 && ids[1] != ids[0] {
		keys = append(keys, t.key(site, ids[1]))
	}
	res, err := joinScript.Run(ctx, t.rdb, keys,
		now.UnixMilli(), idle.Milliseconds(),
		strconv.FormatUint(fresh.ID, 10), strconv.FormatUint(fresh.Visitor, 10), fresh.Entry).Result()
	if errors.Is(err, goredis.Nil) {
		return store.Visit{}, false, nil
	}
	if err != nil {
		return store.Visit{}, false, fmt.Errorf("redis: join visit: %w", unavailable(err))
	}
	v, err := parseVisit(res)
	if err != nil {
		return store.Visit{}, false, fmt.Errorf("redis: join visit: %w", err)
	}
	return v, true, nil
}

func (t *Visits) key(site int64, visitor uint64) string {
	return t.prefix + strconv.FormatInt(site, 10) + ":" + strconv.FormatUint(visitor, 10)
}

func parseVisit(res any) (store.Visit, error) {
	fields, ok := res.([]any)
	if !ok || len(fields) != 3 {
		return store.Visit{}, fmt.Errorf("unexpected answer %T %v", res, res)
	}
	var s [3]string
	for i, f := range fields {
		if s[i], ok = f.(string); !ok {
			return store.Visit{}, fmt.Errorf("unexpected field %d: %T", i, f)
		}
	}
	id, err := strconv.ParseUint(s[0], 10, 64)
	if err != nil {
		return store.Visit{}, fmt.Errorf("visit id %q: %w", s[0], err)
	}
	visitor, err := strconv.ParseUint(s[1], 10, 64)
	if err != nil {
		return store.Visit{}, fmt.Errorf("visitor id %q: %w", s[1], err)
	}
	return store.Visit{ID: id, Visitor: visitor, Entry: []byte(s[2])}, nil
}

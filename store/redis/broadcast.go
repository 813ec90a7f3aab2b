package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/footfallhq/footfall/store"
)

// Broadcaster is store.Broadcaster on Redis pub/sub, its channels under the
// client's prefix + prefix.
type Broadcaster struct {
	rdb    *goredis.Client
	prefix string
}

var _ store.Broadcaster = (*Broadcaster)(nil)

// Broadcaster returns the pub/sub broadcaster with channels under the
// client's prefix + prefix (e.g. "bcast:").
func (c *Client) Broadcaster(prefix string) *Broadcaster {
	return &Broadcaster{rdb: c.rdb, prefix: c.prefix + prefix}
}

// Publish implements store.Broadcaster.
func (b *Broadcaster) Publish(ctx context.Context, topic string, msg []byte) error {
	if err := b.rdb.Publish(ctx, b.prefix+topic, msg).Err(); err != nil {
		return fmt.Errorf("redis: publish on %s: %w", topic, unavailable(err))
	}
	return nil
}

// Listen implements store.Broadcaster. go-redis resubscribes by itself
// after a dropped connection; each subscription confirmation after the
// first one therefore means messages may have been lost in between.
func (b *Broadcaster) Listen(ctx context.Context, topic string, fn func([]byte), lost func()) error {
	ps := b.rdb.Subscribe(ctx, b.prefix+topic)
	// The first confirmation proves the subscription is in place, so a
	// message published after Listen returns is seen.
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return fmt.Errorf("redis: subscribe to %s: %w", topic, unavailable(err))
	}
	go func() {
		<-ctx.Done()
		ps.Close()
	}()
	go func() {
		wait := 50 * time.Millisecond
		for ctx.Err() == nil {
			m, err := ps.Receive(ctx)
			if err != nil {
				// A receive error is a dropped connection (go-redis
				// reconnects on the next Receive) or the end of ctx.
				if ctx.Err() == nil && lost != nil {
					lost()
				}
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
				wait = min(2*wait, 5*time.Second)
				continue
			}
			wait = 50 * time.Millisecond
			switch m := m.(type) {
			case *goredis.Message:
				fn([]byte(m.Payload))
			case *goredis.Subscription:
				if m.Kind == "subscribe" && lost != nil {
					lost()
				}
			}
		}
	}()
	return nil
}

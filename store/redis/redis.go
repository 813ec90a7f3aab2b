// Package redis holds the server backends that replicas share through
// Redis: the durable ingest queue (a Redis Stream read by a consumer
// group, see Queue), a cache, a GCRA rate limiter and the lock that makes
// a scheduled job run on one replica only.
//
// Durability is Redis's: an event is acknowledged to its sender once XADD
// returned, so the server should run with appendonly yes (appendfsync
// everysec loses at most a second of events if the Redis host itself
// crashes; always loses none). Open warns when AOF is off.
package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	neturl "net/url"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/footfallhq/footfall/store"
)

// Client is a connection pool to one Redis server, from which the queue,
// cache, limiter and locker are made. Close it after them.
type Client struct {
	rdb    *goredis.Client
	log    *slog.Logger
	prefix string
}

// DefaultPrefix starts the name of every key Footfall uses, unless the URL
// names another (?prefix=…), so that one Redis database can serve other
// programs or several installs.
const DefaultPrefix = "footfall:"

// Open connects to the server named by url (redis://[user:pass@]host:port/db
// or rediss:// for TLS; ?prefix=P sets the key prefix, see DefaultPrefix)
// and checks that it answers. logger may be nil.
func Open(ctx context.Context, url string, logger *slog.Logger) (*Client, error) {
	url, prefix, err := cutPrefix(url)
	if err != nil {
		return nil, err
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		// The parse error can quote the URL, password included.
		return nil, errors.New("redis: cannot parse the Redis URL")
	}
	c, err := OpenOptions(ctx, opts, logger)
	if err != nil {
		return nil, err
	}
	c.prefix = prefix
	return c, nil
}

// cutPrefix removes the prefix parameter, which is ours, not go-redis's.
func cutPrefix(raw string) (url, prefix string, err error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", "", errors.New("redis: cannot parse the Redis URL")
	}
	q := u.Query()
	prefix = DefaultPrefix
	if q.Has("prefix") {
		prefix = q.Get("prefix")
		q.Del("prefix")
		u.RawQuery = q.Encode()
	}
	return u.String(), prefix, nil
}

// OpenOptions is Open with parsed options and the default key prefix.
func OpenOptions(ctx context.Context, opts *goredis.Options, logger *slog.Logger) (*Client, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	routeLogs(logger)
	rdb := goredis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis: open %s: %w", opts.Addr, unavailable(err))
	}
	c := &Client{rdb: rdb, log: logger.With("component", "redis"), prefix: DefaultPrefix}
	c.warnWithoutAOF(ctx)
	return c, nil
}

// Prefix is what the name of every key of this client starts with.
func (c *Client) Prefix() string { return c.prefix }

// warnWithoutAOF logs when the server would lose acknowledged events on a
// restart. Managed services may refuse CONFIG GET: then nothing is said.
func (c *Client) warnWithoutAOF(ctx context.Context) {
	v, err := c.rdb.ConfigGet(ctx, "appendonly").Result()
	if err == nil && v["appendonly"] == "no" {
		c.log.Warn("Redis runs without AOF (appendonly no): queued events acknowledged to clients are lost if Redis restarts; set appendonly yes")
	}
}

// Ping reports whether the server answers.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", unavailable(err))
	}
	return nil
}

// Close closes the pool. Queues, caches, limiters and lockers made from
// the client stop working.
func (c *Client) Close() error {
	return c.rdb.Close()
}

// unavailable wraps errors that mean the server could not be reached or
// did not answer in time with store.ErrUnavailable, leaving the server's
// own error replies (a wrong type, a script error) as they are.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	var rerr goredis.Error
	if errors.As(err, &rerr) && !isLoading(err) {
		return err
	}
	var nerr net.Error
	if errors.As(err, &nerr) || errors.Is(err, goredis.ErrClosed) || errors.Is(err, goredis.ErrPoolTimeout) ||
		errors.Is(err, context.DeadlineExceeded) || isLoading(err) || strings.Contains(err.Error(), "connection refused") ||
		strings.Contains(err.Error(), "EOF") {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// isLoading is the reply of a server still reading its AOF after a
// restart: unavailable for now, not broken.
func isLoading(err error) bool {
	return strings.HasPrefix(err.Error(), "LOADING")
}

// go-redis logs connection trouble through one process-wide logger, to
// stderr by default; the first client opened sends those lines to its slog
// logger instead, so they appear with the rest of the log.
var logsRouted sync.Once

func routeLogs(logger *slog.Logger) {
	logsRouted.Do(func() {
		goredis.SetLogger(slogPrinter{logger.With("component", "go-redis")})
	})
}

type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(ctx context.Context, format string, v ...any) {
	p.l.WarnContext(ctx, fmt.Sprintf(format, v...))
}

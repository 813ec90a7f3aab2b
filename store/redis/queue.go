package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/wal"
)

// QueueOptions configures Client.Queue. The zero value is usable.
type QueueOptions struct {
	// Stream is the stream's key; default the client's prefix + "events".
	Stream string
	// Group is the consumer group all replicas read in; default "footfall".
	Group string
	// Consumer names this replica within the group. A stable name (the
	// StatefulSet pod name, the host name) lets a restarted replica take up
	// its own pending events first; under a new name another replica
	// claims them after ClaimIdle. Default: the host name.
	Consumer string
	// MaxLen bounds the events in the stream (queued and not yet
	// acknowledged); Enqueue returns store.ErrFull rather than exceed it.
	// Nothing is ever trimmed. Default 1,000,000 (roughly 200 MB of Redis
	// memory).
	MaxLen int
	// ClaimIdle is how long a pending event may go untouched before another
	// consumer takes it over as its consumer's dead. The owner touches the
	// events it holds every ClaimIdle/4, so a slow events store does not
	// make them look abandoned. Default one minute.
	ClaimIdle time.Duration
	// StoredThrough is the events store's last position
	// (store.SequencedAppender.LastSeq): new positions are numbered above
	// it even if the stream was lost.
	StoredThrough uint64
	// Logger receives notices about claimed events; nil discards.
	Logger *slog.Logger

	// poll bounds one blocking read, so Close and ctx are noticed; tests
	// shorten it.
	poll time.Duration
}

func (o QueueOptions) withDefaults() QueueOptions {
	if o.Stream == "" {
		o.Stream = DefaultPrefix + "events"
	}
	if o.Group == "" {
		o.Group = "footfall"
	}
	if o.Consumer == "" {
		o.Consumer, _ = os.Hostname()
		if o.Consumer == "" {
			o.Consumer = "footfall"
		}
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 1_000_000
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.poll <= 0 {
		o.poll = time.Second
	}
	return o
}

// Queue is store.Queue on a Redis Stream read through a consumer group, so
// that several replicas share one backlog.
//
// # Positions
//
// Every event is one stream entry, added with the explicit id 0-N where N
// is one more than the stream's last id (XADD with "0-*"): the id's
// sequence part is the event's position, contiguous and strictly
// increasing in stream order. Batch.Seq is the position of the batch's
// last event. A consumer reads its own pending entries first (after a
// restart under the same name), then new entries (">"), both in stream
// order, so the positions it hands out only grow, and with one consumer
// the events of a batch have consecutive positions, as the WAL's do.
//
// # Claims
//
// Entries pending on another consumer for longer than ClaimIdle are taken
// over (XAUTOCLAIM) and re-added at the top of the stream in one script,
// then delivered like new entries. Re-adding rather than delivering them
// in place keeps each consumer's positions increasing, which the batcher
// needs (it drops a batch whose Seq is not above the last one stored).
//
// # Duplicates
//
// Ack is XACK and XDEL after the events store has the batch. A consumer
// that restarts under its name gets its unacknowledged entries back at
// their old positions: an events store implementing
// store.SequencedAppender (DuckDB, single replica) skips what it stored
// before the crash, exactly as with the WAL. A replica that dies between
// its events store's commit and its XACK has that one batch (at most
// MaxBatch events) stored again by the replica claiming it, at new
// positions: at-least-once across replicas. Preventing that is the events
// store's job (an insert deduplication token on ClickHouse); one
// SequencedAppender position cannot describe several consumers' progress.
type Queue struct {
	rdb  *goredis.Client
	opts QueueOptions
	log  *slog.Logger

	nextSem    chan struct{} // one Next at a time; held also by Close
	closed     atomic.Bool
	stop       chan struct{}
	done       chan struct{} // heartbeat ended
	reqs       chan *enqueueReq
	writerDone chan struct{}

	// Owned by whoever holds nextSem.
	pendingDone bool   // own pending entries from before Open are all handed out
	cursor      string // the last own pending id handed out
	lastClaim   time.Time

	mu        sync.Mutex
	out       []handout // handed out, not acknowledged, in order
	lastDepth int
}

// handout is a batch returned by Next and not yet acknowledged.
type handout struct {
	seq uint64
	ids []string
}

var _ store.Queue = (*Queue)(nil)

// enqueueScript adds the events of several Enqueue calls, one entry per
// event, each call all or (over MaxLen) none. KEYS[1] the stream; ARGV[1]
// MaxLen; then per call its event count followed by its encoded events. It
// returns one number per call: 1 added, 0 refused as full.
var enqueueScript = goredis.NewScript(`
local max = tonumber(ARGV[1])
local len = redis.call('XLEN', KEYS[1])
local res = {}
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  if len + n > max then
    res[#res + 1] = 0
  else
    for j = i + 1, i + n do redis.call('XADD', KEYS[1], '0-*', 'e', ARGV[j]) end
    len = len + n
    res[#res + 1] = 1
  end
  i = i + n + 1
end
return res
`)

// claimScript takes over entries idle for ARGV[3] ms from any consumer of
// group ARGV[1], starting at id ARGV[4], and re-adds them at the top of
// stream KEYS[1], acknowledging and deleting the old entries. It returns
// the next cursor and how many entries it moved.
var claimScript = goredis.NewScript(`
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', 100)
local moved = 0
for _, e in ipairs(r[2]) do
  if e[2] then
    redis.call('XADD', KEYS[1], '0-*', unpack(e[2]))
    moved = moved + 1
  end
  redis.call('XACK', KEYS[1], ARGV[1], e[1])
  redis.call('XDEL', KEYS[1], e[1])
end
return {r[1], moved}
`)

// Queue opens the ingest queue on the stream, creating the stream and the
// consumer group if needed.
func (c *Client) Queue(ctx context.Context, o QueueOptions) (*Queue, error) {
	if o.Stream == "" {
		o.Stream = c.prefix + "events"
	}
	q := newQueue(c.rdb, o)
	o = q.opts
	err := c.rdb.XGroupCreateMkStream(ctx, o.Stream, o.Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("redis: queue %s: create group %s: %w", o.Stream, o.Group, unavailable(err))
	}
	if err := q.raiseLastID(ctx, o.StoredThrough); err != nil {
		return nil, err
	}
	q.start()
	return q, nil
}

// newQueue returns a queue on stream o.Stream, not yet started.
func newQueue(rdb *goredis.Client, o QueueOptions) *Queue {
	o = o.withDefaults()
	return &Queue{
		rdb: rdb, opts: o,
		log:        o.Logger.With("component", "redis-queue", "stream", o.Stream, "consumer", o.Consumer),
		nextSem:    make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		reqs:       make(chan *enqueueReq),
		writerDone: make(chan struct{}),
		cursor:     "0",
	}
}

// start runs the queue's goroutines until Close.
func (q *Queue) start() {
	go q.heartbeat()
	go q.writer()
}

// raiseLastID makes the stream number new entries above pos.
func (q *Queue) raiseLastID(ctx context.Context, pos uint64) error {
	if pos == 0 {
		return nil
	}
	info, err := q.rdb.XInfoStream(ctx, q.opts.Stream).Result()
	if err != nil {
		return fmt.Errorf("redis: queue %s: %w", q.opts.Stream, unavailable(err))
	}
	last, err := position(info.LastGeneratedID)
	if err != nil {
		return fmt.Errorf("redis: queue %s: %w", q.opts.Stream, err)
	}
	if last >= pos {
		return nil
	}
	if err := q.rdb.Do(ctx, "XSETID", q.opts.Stream, "0-"+strconv.FormatUint(pos, 10)).Err(); err != nil {
		return fmt.Errorf("redis: queue %s: number new events above %d: %w", q.opts.Stream, pos, unavailable(err))
	}
	return nil
}

// position is the event position an entry id 0-N stands for.
func position(id string) (uint64, error) {
	ms, seq, ok := strings.Cut(id, "-")
	if !ok || ms != "0" {
		return 0, fmt.Errorf("stream entry %s was not added by footfall (want an id 0-N)", id)
	}
	return strconv.ParseUint(seq, 10, 64)
}

// Enqueue adds the events to the stream, one entry each, and returns once
// Redis has them (and, with appendfsync always, its disk). It accepts all
// or nothing: store.ErrFull when the stream would exceed MaxLen or Redis
// is out of memory, an error wrapping store.ErrUnavailable when Redis
// cannot be reached (the ingest handler answers 503 to both),
// store.ErrClosed after Close. Concurrent calls share one script call
// (see writer); ctx is consulted only before the events are handed over.
func (q *Queue) Enqueue(ctx context.Context, events []store.Event) error {
	if len(events) == 0 {
		return nil
	}
	if q.closed.Load() {
		return store.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &enqueueReq{n: len(events), done: make(chan error, 1)}
	for i := range events {
		r.body = wal.AppendEvent(r.body, &events[i])
		r.ends = append(r.ends, len(r.body))
	}
	select {
	case q.reqs <- r:
	case <-q.stop:
		return store.ErrClosed
	}
	return <-r.done
}

// enqueueReq is one Enqueue call waiting for the writer.
type enqueueReq struct {
	n    int
	body []byte // the events, encoded back to back
	ends []int  // where each event's encoding ends in body
	done chan error
}

// maxGroup bounds the events one script call adds, so a group's script
// keeps Redis busy for a millisecond or so, not longer.
const maxGroup = 2048

// writer runs the Enqueue calls: it takes every call waiting (up to
// maxGroup events) and adds them with one script call, so that under load
// the round trip to Redis is paid per group rather than per request, as
// the WAL shares fsyncs. Alone, a call goes straight through.
func (q *Queue) writer() {
	defer close(q.writerDone)
	var group []*enqueueReq
	for {
		group = group[:0]
		select {
		case r := <-q.reqs:
			group = append(group, r)
		case <-q.stop:
			return
		}
		n := group[0].n
	gather:
		for n < maxGroup {
			select {
			case r := <-q.reqs:
				group = append(group, r)
				n += r.n
			default:
				break gather
			}
		}
		q.addGroup(group, n)
	}
}

// addGroup runs the script for a group and answers each of its calls.
func (q *Queue) addGroup(group []*enqueueReq, events int) {
	args := make([]any, 1, 1+len(group)+events)
	args[0] = q.opts.MaxLen
	for _, r := range group {
		args = append(args, r.n)
		start := 0
		for _, end := range r.ends {
			args = append(args, r.body[start:end:end])
			start = end
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	res, err := enqueueScript.Run(ctx, q.rdb, []string{q.opts.Stream}, args...).Int64Slice()
	cancel()
	switch {
	case err != nil && strings.HasPrefix(err.Error(), "OOM"):
		err = fmt.Errorf("redis: enqueue: Redis is out of memory: %w", store.ErrFull)
	case err != nil:
		err = fmt.Errorf("redis: enqueue %d events: %w", events, unavailable(err))
	case len(res) != len(group):
		err = fmt.Errorf("redis: enqueue: script answered %d results for %d calls", len(res), len(group))
	}
	for i, r := range group {
		switch {
		case err != nil:
			r.done <- err
		case res[i] == 0:
			r.done <- fmt.Errorf("redis: stream %s holds %d events or more: %w", q.opts.Stream, q.opts.MaxLen, store.ErrFull)
		default:
			r.done <- nil
		}
	}
}

// Next hands out up to max events: first this consumer's own pending
// entries left from before Open, then entries idle on dead consumers
// (re-added, see Queue), then new ones, waiting for them until ctx is done
// or the queue is closed.
func (q *Queue) Next(ctx context.Context, max int) (store.Batch, error) {
	if max < 1 {
		return store.Batch{}, errors.New("redis: Next: max must be at least 1")
	}
	select {
	case q.nextSem <- struct{}{}:
	case <-ctx.Done():
		return store.Batch{}, ctx.Err()
	}
	defer func() { <-q.nextSem }()
	for {
		if q.closed.Load() {
			return store.Batch{}, store.ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return store.Batch{}, err
		}
		if !q.pendingDone {
			b, err := q.read(ctx, max, q.cursor, -1)
			if err != nil {
				return store.Batch{}, err
			}
			if len(b.Events) == 0 && q.cursor == "" {
				q.pendingDone = true
				continue
			}
			if len(b.Events) > 0 {
				return b, nil
			}
			continue
		}
		if time.Since(q.lastClaim) >= q.opts.ClaimIdle/2 {
			if err := q.claim(ctx); err != nil {
				return store.Batch{}, err
			}
			q.lastClaim = time.Now()
		}
		wait := q.opts.poll
		if dl, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(dl))
		}
		if wait < time.Millisecond {
			continue // ctx.Err reports it above
		}
		b, err := q.read(ctx, max, ">", wait)
		if err != nil {
			if ctx.Err() != nil {
				return store.Batch{}, ctx.Err()
			}
			return store.Batch{}, err
		}
		if len(b.Events) > 0 {
			return b, nil
		}
	}
}

// read runs one XREADGROUP from id ("0"-based cursor for own pending
// entries, ">" for new ones), blocking up to block (never when negative).
// Reading pending entries it advances q.cursor, setting it to "" when
// there are none left. Entries deleted while pending are acknowledged and
// skipped.
func (q *Queue) read(ctx context.Context, max int, id string, block time.Duration) (store.Batch, error) {
	rctx := ctx
	if block >= 0 {
		// go-redis does not cancel a blocking read with ctx: bound it.
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), block+5*time.Second)
		defer cancel()
	}
	streams, err := q.rdb.XReadGroup(rctx, &goredis.XReadGroupArgs{
		Group: q.opts.Group, Consumer: q.opts.Consumer,
		Streams: []string{q.opts.Stream, id}, Count: int64(max), Block: block,
	}).Result()
	if errors.Is(err, goredis.Nil) {
		return store.Batch{}, nil
	}
	if err != nil {
		return store.Batch{}, fmt.Errorf("redis: read stream %s: %w", q.opts.Stream, unavailable(err))
	}
	var msgs []goredis.XMessage
	if len(streams) > 0 {
		msgs = streams[0].Messages
	}
	if id != ">" {
		if len(msgs) == 0 {
			q.cursor = ""
		} else {
			q.cursor = msgs[len(msgs)-1].ID
		}
	}
	b := store.Batch{Events: make([]store.Event, 0, len(msgs))}
	ids := make([]string, 0, len(msgs))
	var gone []string
	for _, m := range msgs {
		data, ok := m.Values["e"].(string)
		if !ok {
			gone = append(gone, m.ID) // deleted while pending
			continue
		}
		pos, err := position(m.ID)
		if err != nil {
			return store.Batch{}, fmt.Errorf("redis: stream %s: %w", q.opts.Stream, err)
		}
		var e store.Event
		if _, err := wal.DecodeEvent(data, &e); err != nil {
			return store.Batch{}, fmt.Errorf("redis: stream %s: entry %s: %w", q.opts.Stream, m.ID, err)
		}
		b.Events = append(b.Events, e)
		ids = append(ids, m.ID)
		b.Seq = pos
	}
	if len(gone) > 0 {
		if err := q.rdb.XAck(ctx, q.opts.Stream, q.opts.Group, gone...).Err(); err != nil {
			return store.Batch{}, fmt.Errorf("redis: stream %s: %w", q.opts.Stream, unavailable(err))
		}
	}
	if len(b.Events) > 0 {
		q.mu.Lock()
		q.out = append(q.out, handout{b.Seq, ids})
		q.mu.Unlock()
	}
	return b, nil
}

// claim re-adds every entry idle for ClaimIdle on any consumer. Entries
// this consumer holds are touched by heartbeat, so they are not idle.
func (q *Queue) claim(ctx context.Context) error {
	cursor := "0-0"
	for {
		res, err := claimScript.Run(ctx, q.rdb, []string{q.opts.Stream},
			q.opts.Group, q.opts.Consumer, q.opts.ClaimIdle.Milliseconds(), cursor).Slice()
		if err != nil {
			return fmt.Errorf("redis: claim idle entries of %s: %w", q.opts.Stream, unavailable(err))
		}
		if len(res) != 2 {
			return fmt.Errorf("redis: claim idle entries of %s: unexpected reply %v", q.opts.Stream, res)
		}
		if moved, _ := res[1].(int64); moved > 0 {
			q.log.Warn("took over events from a consumer that stopped reading", "events", moved, "idle_over", q.opts.ClaimIdle)
		}
		cursor, _ = res[0].(string)
		if cursor == "0-0" || cursor == "" {
			return nil
		}
	}
}

// heartbeat keeps the entries this consumer holds from looking idle to
// other consumers' claims while the events store takes its time.
func (q *Queue) heartbeat() {
	defer close(q.done)
	t := time.NewTicker(q.opts.ClaimIdle / 4)
	defer t.Stop()
	for {
		select {
		case <-q.stop:
			return
		case <-t.C:
		}
		q.mu.Lock()
		var ids []string
		for _, h := range q.out {
			ids = append(ids, h.ids...)
		}
		q.mu.Unlock()
		if len(ids) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), q.opts.ClaimIdle/4)
		err := q.rdb.XClaimJustID(ctx, &goredis.XClaimArgs{
			Stream: q.opts.Stream, Group: q.opts.Group, Consumer: q.opts.Consumer, Messages: ids,
		}).Err()
		cancel()
		if err != nil {
			q.log.Warn("cannot refresh held events; another replica may take them over", "events", len(ids), "err", err)
		}
	}
}

// Ack acknowledges and deletes the entries of b, returned by Next, in one
// transaction. Batches must be acknowledged in the order Next returned
// them; anything else is an error and changes nothing. On a Redis error
// the batch stays unacknowledged and Ack may be retried.
func (q *Queue) Ack(ctx context.Context, b store.Batch) error {
	if q.closed.Load() {
		return store.ErrClosed
	}
	q.mu.Lock()
	if len(q.out) == 0 || q.out[0].seq != b.Seq || len(q.out[0].ids) != len(b.Events) {
		want := "none"
		if len(q.out) > 0 {
			want = fmt.Sprintf("seq %d with %d events", q.out[0].seq, len(q.out[0].ids))
		}
		q.mu.Unlock()
		return fmt.Errorf("redis: Ack of batch seq %d with %d events out of order: next to acknowledge is %s", b.Seq, len(b.Events), want)
	}
	ids := q.out[0].ids
	q.mu.Unlock()

	_, err := q.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.XAck(ctx, q.opts.Stream, q.opts.Group, ids...)
		p.XDel(ctx, q.opts.Stream, ids...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: ack %d events of %s: %w", len(ids), q.opts.Stream, unavailable(err))
	}
	q.mu.Lock()
	q.out = q.out[1:]
	q.mu.Unlock()
	return nil
}

// Depth returns the events this consumer could still drain: entries no
// consumer has read yet plus this consumer's own pending ones. Acknowledged
// entries are deleted, so the first number is the stream's length minus
// every consumer's pending entries. On a Redis error it returns the last
// value it could read.
func (q *Queue) Depth() int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var (
		xlen    *goredis.IntCmd
		pending *goredis.XPendingCmd
	)
	_, err := q.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		xlen = p.XLen(ctx, q.opts.Stream)
		pending = p.XPending(ctx, q.opts.Stream, q.opts.Group)
		return nil
	})
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return q.lastDepth
	}
	p := pending.Val()
	d := xlen.Val() - p.Count + p.Consumers[q.opts.Consumer]
	q.lastDepth = int(d)
	return q.lastDepth
}

// Close stops handing out events: a waiting Next returns store.ErrClosed
// within the poll interval, and Enqueue and Ack return it from now on.
// Entries handed out and not acknowledged stay pending on this consumer,
// for itself after a restart under the same name or for another replica
// after ClaimIdle. Calling Close again returns nil. The Client stays open.
func (q *Queue) Close() error {
	if q.closed.Swap(true) {
		return nil
	}
	close(q.stop)
	<-q.done
	<-q.writerDone          // a group being written is answered first
	q.nextSem <- struct{}{} // a running Next notices closed within one poll
	<-q.nextSem
	return nil
}

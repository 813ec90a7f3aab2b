package redis

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

func openQueue(t testing.TB, c *Client, o QueueOptions) *Queue {
	t.Helper()
	if o.poll == 0 {
		o.poll = 100 * time.Millisecond
	}
	q, err := c.Queue(t.Context(), o)
	if err != nil {
		t.Fatalf("Queue(%+v): %v", o, err)
	}
	return q
}

// TestQueueConformance runs the queue suite the WAL passes too: both keep
// one store.Queue contract.
func TestQueueConformance(t *testing.T) {
	c := testClient(t)
	storetest.RunQueue(t, func(t testing.TB, capacity int) storetest.QueueOpener {
		prefix := testPrefix(t, c)
		return func() store.Queue {
			return openQueue(t, c, QueueOptions{Stream: prefix + "events", Consumer: "replica-1", MaxLen: capacity})
		}
	})
}

// TestQueueClaimsDeadConsumer: events a replica took and never
// acknowledged go to another replica once idle, at positions above those
// it already handed out, and only once.
func TestQueueClaimsDeadConsumer(t *testing.T) {
	c := testClient(t)
	stream := testPrefix(t, c) + "events"
	ctx := t.Context()
	const idle = 300 * time.Millisecond
	dead := openQueue(t, c, QueueOptions{Stream: stream, Consumer: "dead", ClaimIdle: time.Hour})
	alive := openQueue(t, c, QueueOptions{Stream: stream, Consumer: "alive", ClaimIdle: idle})
	t.Cleanup(func() { _ = alive.Close() })

	if err := dead.Enqueue(ctx, eventsFrom(0, 3)); err != nil {
		t.Fatal(err)
	}
	taken, err := dead.Next(ctx, 10)
	if err != nil || len(taken.Events) != 3 {
		t.Fatalf("dead.Next = %d events, %v; want 3", len(taken.Events), err)
	}
	// The dead replica stops without acknowledging (Close leaves its
	// entries pending, like a kill -9 does).
	if err := dead.Close(); err != nil {
		t.Fatal(err)
	}
	if err := alive.Enqueue(ctx, eventsFrom(3, 1)); err != nil {
		t.Fatal(err)
	}
	first, err := alive.Next(ctx, 10)
	if err != nil || len(first.Events) != 1 || first.Events[0].SessionID != 3 {
		t.Fatalf("alive.Next = %v, %v; want event 3 only (the others are not idle yet)", first.Events, err)
	}
	if err := alive.Ack(ctx, first); err != nil {
		t.Fatal(err)
	}

	time.Sleep(idle + 100*time.Millisecond)
	alive.lastClaim = time.Time{} // claim at the next call
	nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	claimed, err := alive.Next(nctx, 10)
	if err != nil {
		t.Fatalf("alive.Next after the dead replica's events went idle: %v", err)
	}
	if got := sessions(claimed.Events); strings.Join(got, ",") != "0,1,2" {
		t.Errorf("claimed events = %v, want 0,1,2", got)
	}
	if claimed.Seq-uint64(len(claimed.Events)) < first.Seq {
		t.Errorf("claimed batch ends at Seq %d with %d events, not above the previous batch's %d", claimed.Seq, len(claimed.Events), first.Seq)
	}
	if err := alive.Ack(ctx, claimed); err != nil {
		t.Fatal(err)
	}
	if d := alive.Depth(); d != 0 {
		t.Errorf("Depth() after the claimed events were acknowledged = %d, want 0", d)
	}
	if n := rawClient(c).XLen(ctx, stream).Val(); n != 0 {
		t.Errorf("XLEN = %d after everything was acknowledged, want 0", n)
	}
	// The dead consumer's entries are gone from its pending list too.
	p := rawClient(c).XPending(ctx, stream, "footfall").Val()
	if p.Count != 0 {
		t.Errorf("XPENDING count = %d, want 0", p.Count)
	}
}

// TestQueueHeldEventsNotClaimed: a batch being written for longer than
// ClaimIdle (a slow events store) stays with its consumer.
func TestQueueHeldEventsNotClaimed(t *testing.T) {
	c := testClient(t)
	stream := testPrefix(t, c) + "events"
	ctx := t.Context()
	const idle = time.Second // the holder refreshes every 250 ms: slack for a loaded CI machine
	slow := openQueue(t, c, QueueOptions{Stream: stream, Consumer: "slow", ClaimIdle: idle})
	t.Cleanup(func() { _ = slow.Close() })
	other := openQueue(t, c, QueueOptions{Stream: stream, Consumer: "other", ClaimIdle: idle})
	t.Cleanup(func() { _ = other.Close() })

	if err := slow.Enqueue(ctx, eventsFrom(0, 2)); err != nil {
		t.Fatal(err)
	}
	held, err := slow.Next(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * idle)
	other.lastClaim = time.Time{}
	nctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if b, err := other.Next(nctx, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("other.Next while slow holds its batch = %v, %v; want nothing", sessions(b.Events), err)
	}
	if err := slow.Ack(ctx, held); err != nil {
		t.Errorf("slow.Ack after a long write: %v", err)
	}
}

// TestQueueStoredThrough: a lost stream restarts numbering above what the
// events store holds, so new events are not mistaken for stored ones.
func TestQueueStoredThrough(t *testing.T) {
	c := testClient(t)
	stream := testPrefix(t, c) + "events"
	q := openQueue(t, c, QueueOptions{Stream: stream, StoredThrough: 1000})
	t.Cleanup(func() { _ = q.Close() })
	if err := q.Enqueue(t.Context(), eventsFrom(0, 2)); err != nil {
		t.Fatal(err)
	}
	b, err := q.Next(t.Context(), 10)
	if err != nil || b.Seq != 1002 {
		t.Errorf("Next after StoredThrough 1000 = seq %d, %v; want 1002", b.Seq, err)
	}
	// A lower StoredThrough never lowers the numbering.
	q2 := openQueue(t, c, QueueOptions{Stream: stream, Consumer: "second", StoredThrough: 10})
	t.Cleanup(func() { _ = q2.Close() })
	if err := q2.Enqueue(t.Context(), eventsFrom(2, 1)); err != nil {
		t.Fatal(err)
	}
	b, err = q2.Next(t.Context(), 10)
	if err != nil || b.Seq != 1003 {
		t.Errorf("Next after reopening with StoredThrough 10 = seq %d, %v; want 1003", b.Seq, err)
	}
}

// TestQueueRedisDown: with Redis unreachable, Enqueue fails with
// store.ErrUnavailable, which the ingest handler answers with 503.
func TestQueueRedisDown(t *testing.T) {
	// A port that nothing listens on: open a listener, note it, close it.
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := Open(ctx, "redis://"+addr+"/0", nil)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(closed port) = %v, want store.ErrUnavailable", err)
	}

	// Redis going away after Open: a queue whose server stopped
	// answering.
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	q := newQueue(rdb, QueueOptions{})
	q.start()
	defer q.Close()
	if err := q.Enqueue(ctx, eventsFrom(0, 1)); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Enqueue with Redis down = %v, want store.ErrUnavailable", err)
	}
}

func eventsFrom(from, n int) []store.Event {
	evs := make([]store.Event, n)
	for i := range evs {
		evs[i] = storetest.QueueEvent(from + i)
	}
	return evs
}

func sessions(evs []store.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, strconv.FormatUint(e.SessionID, 10))
	}
	return out
}

// TestQueueGroupAllOrNothing: calls that share one script call near
// MaxLen are each taken whole or refused whole.
func TestQueueGroupAllOrNothing(t *testing.T) {
	c := testClient(t)
	q := openQueue(t, c, QueueOptions{Stream: testPrefix(t, c) + "events", MaxLen: 10})
	t.Cleanup(func() { _ = q.Close() })
	var (
		wg       sync.WaitGroup
		accepted atomic.Int64
	)
	for i := range 20 {
		wg.Go(func() {
			err := q.Enqueue(context.Background(), eventsFrom(i*3, 3))
			switch {
			case err == nil:
				accepted.Add(1)
			case !errors.Is(err, store.ErrFull):
				t.Errorf("Enqueue: %v", err)
			}
		})
	}
	wg.Wait()
	if n := accepted.Load(); n != 3 {
		t.Fatalf("%d calls of 3 events accepted into a stream of 10, want 3", n)
	}
	b, err := q.Next(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	perCall := map[uint64]int{}
	for _, e := range b.Events {
		perCall[e.SessionID/3]++
	}
	for call, n := range perCall {
		if n != 3 {
			t.Errorf("call %d has %d of its 3 events in the stream", call, n)
		}
	}
	if len(b.Events) != 9 {
		t.Errorf("stream holds %d events, want 9", len(b.Events))
	}
}

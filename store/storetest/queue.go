package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// QueueOpener opens a queue on storage of its own (a directory, a Redis
// stream), created by NewQueue. Every call opens the same storage again,
// as a restarted process would; the suite closes what it opens.
type QueueOpener func() store.Queue

// RunQueue runs the store.Queue conformance suite. Every durable queue
// (the WAL, Redis Streams) must pass it unchanged, which proves they keep
// one contract:
//
//   - Next hands out events oldest first, up to max at a time, each once;
//     Batch.Seq grows strictly from batch to batch, and the events of a
//     batch have consecutive positions ending at Seq (the batcher relies
//     on both to skip what the events store already has).
//   - Ack in Next's order frees capacity; anything else is an error.
//   - Enqueue accepts all of a call or, with ErrFull, nothing.
//   - After a reopen, events handed out but not acknowledged come back
//     with the same positions; acknowledged ones do not.
//   - After Close, Enqueue and Next return ErrClosed; Close again is nil.
//
// newQueue must return an opener on fresh, empty storage whose queue holds
// at most capacity unacknowledged events. Subtests run in parallel.
func RunQueue(t *testing.T, newQueue func(t testing.TB, capacity int) QueueOpener) {
	tests := []struct {
		name string
		run  func(t *testing.T, newQueue func(t testing.TB, capacity int) QueueOpener)
	}{
		{"RoundTrip", queueTestRoundTrip},
		{"NextMax", queueTestNextMax},
		{"NextWaits", queueTestNextWaits},
		{"AckOrder", queueTestAckOrder},
		{"Full", queueTestFull},
		{"Redeliver", queueTestRedeliver},
		{"AckedStayAcked", queueTestAckedStayAcked},
		{"Close", queueTestClose},
		{"ConcurrentEnqueue", queueTestConcurrentEnqueue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newQueue)
		})
	}
}

// QueueEvent is a realistic event whose SessionID is i, so tests can tell
// events apart and check their order.
func QueueEvent(i int) store.Event {
	e := store.Event{
		Timestamp: time.UnixMilli(1_767_225_600_000 + int64(i)).UTC(),
		SiteID:    3, VisitorID: 20_454<<32 | uint64(uint32(i)*2_654_435_761), SessionID: uint64(i),
		Name: "pageview", Hostname: "example.com", Pathname: fmt.Sprintf("/blog/post-%d", i%50),
		EntryPage: "/", Referrer: "news.ycombinator.com/item", Source: "Hacker News", Channel: "Referral",
		Country: "DE", Region: "DE-BE", City: "Berlin",
		Browser: "Firefox", BrowserVersion: "141", OS: "Linux", Device: "desktop", Screen: "desktop",
		ScrollDepth: -1, LCPms: 1200, INPms: 64, TTFBms: 80, TransferBytes: 1 << 20,
	}
	if i%4 == 0 {
		e.Name, e.Props, e.RevenueAmount, e.RevenueCurrency = "Signup", map[string]string{"plan": "pro", "ü": "✓"}, 9.5, "EUR"
	}
	return e
}

func queueEvents(from, n int) []store.Event {
	evs := make([]store.Event, n)
	for i := range evs {
		evs[i] = QueueEvent(from + i)
	}
	return evs
}

// queueOpen opens a queue and closes it when the test ends.
func queueOpen(t testing.TB, open QueueOpener) store.Queue {
	t.Helper()
	q := open()
	t.Cleanup(func() { _ = q.Close() })
	return q
}

func queueEnqueue(t testing.TB, q store.Queue, evs []store.Event) {
	t.Helper()
	if err := q.Enqueue(t.Context(), evs); err != nil {
		t.Fatalf("Enqueue(%d events): %v", len(evs), err)
	}
}

// queueNext calls Next with a timeout, failing the test if nothing comes.
func queueNext(t testing.TB, q store.Queue, max int) store.Batch {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	b, err := q.Next(ctx, max)
	if err != nil {
		t.Fatalf("Next(%d): %v", max, err)
	}
	if len(b.Events) == 0 || len(b.Events) > max {
		t.Fatalf("Next(%d) returned %d events, want 1..%d", max, len(b.Events), max)
	}
	return b
}

// queueCollect calls Next until n events came, checking positions: Seq
// strictly increasing across batches and consecutive within each.
func queueCollect(t testing.TB, q store.Queue, n, max int) ([]store.Event, []store.Batch) {
	t.Helper()
	var (
		evs     []store.Event
		batches []store.Batch
	)
	for len(evs) < n {
		b := queueNext(t, q, max)
		if k := len(batches); k > 0 && b.Seq-uint64(len(b.Events)) < batches[k-1].Seq {
			t.Fatalf("Next: batch of %d events ends at Seq %d, overlapping the previous batch ending at %d", len(b.Events), b.Seq, batches[k-1].Seq)
		}
		batches = append(batches, b)
		evs = append(evs, b.Events...)
	}
	if len(evs) != n {
		t.Fatalf("Next handed out %d events, want %d", len(evs), n)
	}
	return evs, batches
}

func queueAckAll(t testing.TB, q store.Queue, batches []store.Batch) {
	t.Helper()
	for _, b := range batches {
		if err := q.Ack(t.Context(), b); err != nil {
			t.Fatalf("Ack(seq %d): %v", b.Seq, err)
		}
	}
}

func queueWantDepth(t testing.TB, q store.Queue, when string, want int) {
	t.Helper()
	if got := q.Depth(); got != want {
		t.Errorf("Depth() %s = %d, want %d", when, got, want)
	}
}

// queueWantEmpty checks that Next has nothing to hand out.
func queueWantEmpty(t testing.TB, q store.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	b, err := q.Next(ctx, 10)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next on a drained queue = %d events (seq %d), %v; want context.DeadlineExceeded", len(b.Events), b.Seq, err)
	}
}

func queueTestRoundTrip(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	q := queueOpen(t, newQueue(t, 100))
	want := queueEvents(1, 7)
	queueEnqueue(t, q, want[:3])
	queueEnqueue(t, q, want[3:4])
	queueEnqueue(t, q, want[4:])
	if err := q.Enqueue(t.Context(), nil); err != nil {
		t.Errorf("Enqueue(no events) = %v, want nil", err)
	}
	queueWantDepth(t, q, "after enqueueing 7", 7)
	got, batches := queueCollect(t, q, 7, 100)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events from Next differ from those enqueued (-want +got):\n%s", diff)
	}
	queueWantDepth(t, q, "with 7 handed out, unacknowledged", 7)
	queueAckAll(t, q, batches)
	queueWantDepth(t, q, "after acknowledging all", 0)
	queueWantEmpty(t, q)
}

func queueTestNextMax(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	q := queueOpen(t, newQueue(t, 100))
	for i := range 10 {
		queueEnqueue(t, q, queueEvents(i, 1))
	}
	got, batches := queueCollect(t, q, 10, 3)
	for i, e := range got {
		if e.SessionID != uint64(i) {
			t.Fatalf("event %d from Next has SessionID %d, want %d: not oldest first", i, e.SessionID, i)
		}
	}
	if len(batches) < 4 {
		t.Errorf("Next(3) for 10 events took %d batches, want at least 4", len(batches))
	}
	queueAckAll(t, q, batches)
	queueWantDepth(t, q, "after acknowledging all", 0)
}

func queueTestNextWaits(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	q := queueOpen(t, newQueue(t, 100))
	queueWantEmpty(t, q)
	type result struct {
		b   store.Batch
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		b, err := q.Next(ctx, 10)
		done <- result{b, err}
	}()
	time.Sleep(100 * time.Millisecond)
	queueEnqueue(t, q, queueEvents(42, 1))
	r := <-done
	if r.err != nil || len(r.b.Events) != 1 || r.b.Events[0].SessionID != 42 {
		t.Fatalf("a waiting Next returned %v, %v; want the event enqueued meanwhile", r.b.Events, r.err)
	}
	if err := q.Ack(t.Context(), r.b); err != nil {
		t.Errorf("Ack: %v", err)
	}
}

func queueTestAckOrder(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	q := queueOpen(t, newQueue(t, 100))
	queueEnqueue(t, q, queueEvents(0, 4))
	first := queueNext(t, q, 2)
	_, rest := queueCollect(t, q, 4-len(first.Events), 2)
	second := rest[0]
	if err := q.Ack(t.Context(), second); err == nil {
		t.Errorf("Ack of the second batch before the first succeeded, want an error")
	}
	if err := q.Ack(t.Context(), store.Batch{Seq: first.Seq + 1000, Events: first.Events}); err == nil {
		t.Errorf("Ack of a batch never handed out succeeded, want an error")
	}
	queueWantDepth(t, q, "after refused acks", 4)
	queueAckAll(t, q, append([]store.Batch{first}, rest...))
	queueWantDepth(t, q, "after acknowledging all in order", 0)
}

func queueTestFull(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	q := queueOpen(t, newQueue(t, 4))
	queueEnqueue(t, q, queueEvents(0, 3))
	if err := q.Enqueue(t.Context(), queueEvents(3, 2)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue of 2 events into a queue of 4 holding 3 = %v, want ErrFull", err)
	}
	queueWantDepth(t, q, "after a refused Enqueue", 3)
	queueEnqueue(t, q, queueEvents(3, 1))
	if err := q.Enqueue(t.Context(), queueEvents(4, 1)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue into a full queue = %v, want ErrFull", err)
	}
	// Handing out frees nothing; acknowledging does.
	got, batches := queueCollect(t, q, 4, 10)
	if err := q.Enqueue(t.Context(), queueEvents(4, 1)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue with 4 events handed out, unacknowledged = %v, want ErrFull", err)
	}
	queueAckAll(t, q, batches)
	queueEnqueue(t, q, queueEvents(4, 2))
	more, batches := queueCollect(t, q, 2, 10)
	queueAckAll(t, q, batches)
	var ids []uint64
	for _, e := range append(got, more...) {
		ids = append(ids, e.SessionID)
	}
	if diff := cmp.Diff([]uint64{0, 1, 2, 3, 4, 5}, ids); diff != "" {
		t.Errorf("events delivered around ErrFull (-want +got):\n%s", diff)
	}
}

func queueTestRedeliver(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	open := newQueue(t, 100)
	q := open()
	want := queueEvents(0, 5)
	queueEnqueue(t, q, want)
	first, batches := queueCollect(t, q, 5, 100)
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	q = queueOpen(t, open)
	queueWantDepth(t, q, "after reopening with 5 unacknowledged", 5)
	again, batches2 := queueCollect(t, q, 5, 100)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("events redelivered after reopen (-first +again):\n%s", diff)
	}
	if a, b := batches[len(batches)-1].Seq, batches2[len(batches2)-1].Seq; a != b {
		t.Errorf("redelivered events end at Seq %d, first delivery at %d: positions must be stable", b, a)
	}
	queueAckAll(t, q, batches2)
	queueWantDepth(t, q, "after acknowledging the redelivered events", 0)
}

func queueTestAckedStayAcked(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	open := newQueue(t, 100)
	q := open()
	queueEnqueue(t, q, queueEvents(0, 6))
	_, batches := queueCollect(t, q, 3, 3)
	queueAckAll(t, q, batches)
	acked := batches[len(batches)-1].Seq
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	q = queueOpen(t, open)
	got, batches := queueCollect(t, q, 3, 100)
	for i, e := range got {
		if e.SessionID != uint64(3+i) {
			t.Fatalf("after reopen, event %d has SessionID %d, want %d: acknowledged events came back or order changed", i, e.SessionID, 3+i)
		}
	}
	if first := batches[0].Seq - uint64(len(batches[0].Events)) + 1; first <= acked {
		t.Errorf("after reopen, the first event is at position %d, not above the acknowledged %d", first, acked)
	}
	queueAckAll(t, q, batches)
	queueWantEmpty(t, q)
}

func queueTestClose(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	q := newQueue(t, 100)()
	waiting := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := q.Next(ctx, 10)
		waiting <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-waiting:
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("Next waiting during Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next still waiting 5s after Close")
	}
	if err := q.Enqueue(t.Context(), queueEvents(0, 1)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Enqueue after Close = %v, want ErrClosed", err)
	}
	if _, err := q.Next(t.Context(), 10); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
	if err := q.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func queueTestConcurrentEnqueue(t *testing.T, newQueue func(testing.TB, int) QueueOpener) {
	q := queueOpen(t, newQueue(t, 1000))
	const writers, per = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range per {
				if err := q.Enqueue(context.Background(), queueEvents(w*per+i, 1)); err != nil {
					t.Errorf("Enqueue: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, batches := queueCollect(t, q, writers*per, 64)
	seen := map[uint64]bool{}
	last := map[int]uint64{}
	for _, e := range got {
		if seen[e.SessionID] {
			t.Fatalf("event %d handed out twice", e.SessionID)
		}
		seen[e.SessionID] = true
		// One writer's events keep their order.
		w := int(e.SessionID) / per
		if prev, ok := last[w]; ok && e.SessionID < prev {
			t.Errorf("writer %d: event %d handed out after %d", w, e.SessionID, prev)
		}
		last[w] = e.SessionID
	}
	queueAckAll(t, q, batches)
	queueWantDepth(t, q, "after acknowledging all", 0)
}

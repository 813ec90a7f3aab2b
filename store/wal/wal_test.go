package wal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// testEvent is a realistic event whose SessionID is i, so tests can tell
// events apart and check order.
func testEvent(i int) store.Event {
	e := store.Event{
		Timestamp: time.UnixMilli(1_767_225_600_000 + int64(i)).UTC(),
		// Ids as app/visitor makes them: a day number above a 32-bit hash,
		// and dense session ids.
		SiteID: 3, VisitorID: 20_454<<32 | uint64(uint32(i)*2_654_435_761), SessionID: uint64(i),
		Name: "pageview", Hostname: "example.com", Pathname: fmt.Sprintf("/blog/post-%d", i%50),
		EntryPage: "/", Referrer: "news.ycombinator.com/item", Source: "Hacker News", Channel: "Referral",
		Country: "DE", Region: "DE-BE", City: "Berlin",
		Browser: "Firefox", BrowserVersion: "141", OS: "Linux", OSVersion: "", Device: "desktop", Screen: "desktop",
		ScrollDepth: -1, LCPms: 1200, CLS: 0.05, HasCLS: true, TTFBms: 80,
	}
	if i%10 == 0 {
		e.Name, e.Props, e.RevenueAmount, e.RevenueCurrency = "Signup", map[string]string{"plan": "pro"}, 9.5, "EUR"
	}
	return e
}

func testEvents(from, n int) []store.Event {
	evs := make([]store.Event, n)
	for i := range evs {
		evs[i] = testEvent(from + i)
	}
	return evs
}

// testLogger sends the WAL's log to the test log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tlogWriter struct{ t testing.TB }

func (w tlogWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func openWAL(t testing.TB, dir string, opts Options) *WAL {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	if opts.SegmentSize == 0 {
		opts.SegmentSize = 64 << 10 // preallocating 16 MiB per Open would slow the tests
	}
	w, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%s) error: %v", dir, err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func enqueue(t testing.TB, w *WAL, evs []store.Event) {
	t.Helper()
	if err := w.Enqueue(context.Background(), evs); err != nil {
		t.Fatalf("Enqueue(%d events) error: %v", len(evs), err)
	}
}

// drain takes and acknowledges everything pending, max events at a time,
// checking that sequence numbers are consecutive.
func drain(t testing.TB, w *WAL, max int) (evs []store.Event, seqs []uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for w.Depth() > 0 {
		b, err := w.Next(ctx, max)
		if err != nil {
			t.Fatalf("Next(%d) with depth %d error: %v", max, w.Depth(), err)
		}
		if len(b.Events) == 0 || len(b.Events) > max {
			t.Fatalf("Next(%d) returned %d events", max, len(b.Events))
		}
		// Sequence numbers are consecutive, within and across batches.
		if len(seqs) > 0 && b.Seq-seqs[len(seqs)-1] != uint64(len(b.Events)) {
			t.Fatalf("Next returned %d events ending at seq %d after seq %d", len(b.Events), b.Seq, seqs[len(seqs)-1])
		}
		evs = append(evs, b.Events...)
		seqs = append(seqs, b.Seq)
		if err := w.Ack(ctx, b); err != nil {
			t.Fatalf("Ack(%d) error: %v", b.Seq, err)
		}
	}
	return evs, seqs
}

// usedBytes returns where the next record goes in the current segment.
func usedBytes(w *WAL) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur.size
}

func sessionIDs(evs []store.Event) []uint64 {
	ids := make([]uint64, len(evs))
	for i, e := range evs {
		ids[i] = e.SessionID
	}
	return ids
}

func span(from, n int) []uint64 {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(from + i)
	}
	return ids
}

func segmentFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "wal-*.log"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoundTripAndOrder(t *testing.T) {
	w := openWAL(t, t.TempDir(), Options{})
	var want []store.Event
	for i, n := 0, 1; i < 1000; i, n = i+n, n%13+1 {
		evs := testEvents(i, min(n, 1000-i))
		enqueue(t, w, evs)
		want = append(want, evs...)
	}
	if got := w.Depth(); got != 1000 {
		t.Errorf("Depth() = %d, want 1000", got)
	}
	got, seqs := drain(t, w, 7)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events out (-in +out):\n%s", diff)
	}
	// Sequence numbers start at 1 and count events, so the batch ending
	// with event i has Seq i+1.
	n := 0
	for i, s := range seqs {
		n += min(7, 1000-n)
		if s != uint64(n) {
			t.Fatalf("batch %d Seq = %d, want %d", i, s, n)
		}
	}
	if got := w.Depth(); got != 0 {
		t.Errorf("Depth() after draining = %d, want 0", got)
	}
}

func TestRotationAndDeletion(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{SegmentSize: 4096})
	for i := range 100 {
		enqueue(t, w, testEvents(i*5, 5))
	}
	// The writer rotates after answering, so a new file may be a moment
	// ahead of Stats.
	st := w.Stats()
	if files := segmentFiles(t, dir); st.Segments < 5 || len(files) < st.Segments || len(files) > st.Segments+1 {
		t.Fatalf("after 500 events: Stats().Segments = %d, files %v; want ≥ 5 and the same", st.Segments, files)
	}
	ctx := context.Background()
	var got []store.Event
	prevSegs := st.Segments
	for w.Depth() > 0 {
		b, err := w.Next(ctx, 37)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b.Events...)
		if err := w.Ack(ctx, b); err != nil {
			t.Fatal(err)
		}
		if s := w.Stats().Segments; s > prevSegs {
			t.Fatalf("segments grew from %d to %d while only acknowledging", prevSegs, s)
		} else {
			prevSegs = s
		}
	}
	if diff := cmp.Diff(span(0, 500), sessionIDs(got)); diff != "" {
		t.Errorf("events across segments (-want +got):\n%s", diff)
	}
	if files := segmentFiles(t, dir); len(files) != 1 {
		t.Errorf("after acknowledging everything, segment files = %v, want only the current one", files)
	}
	if st := w.Stats(); st.Segments != 1 || st.Depth != 0 {
		t.Errorf("Stats() = %+v, want 1 segment, depth 0", st)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w := openWAL(t, dir, Options{SegmentSize: 4096})
	enqueue(t, w, testEvents(0, 100))
	b, err := w.Next(ctx, 40)
	if err != nil || b.Seq != 40 {
		t.Fatalf("Next(40) = seq %d, %v; want 40", b.Seq, err)
	}
	if err := w.Ack(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b, err = w.Next(ctx, 30); err != nil || b.Seq != 70 { // handed out, never acknowledged
		t.Fatalf("Next(30) = seq %d, %v; want 70", b.Seq, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close() error: %v", err)
	}

	w = openWAL(t, dir, Options{SegmentSize: 4096})
	if got := w.Depth(); got != 60 {
		t.Errorf("Depth() after reopen = %d, want 60", got)
	}
	enqueue(t, w, testEvents(100, 10))
	got, seqs := drain(t, w, 1000)
	if diff := cmp.Diff(span(40, 70), sessionIDs(got)); diff != "" {
		t.Errorf("after reopen: acknowledged events redelivered or unacknowledged lost (-want +got):\n%s", diff)
	}
	if last := seqs[len(seqs)-1]; last != 110 {
		t.Errorf("last seq after reopen = %d, want 110 (numbering continues)", last)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// Everything acknowledged: numbering continues after a reopen.
	w = openWAL(t, dir, Options{})
	if got := w.Depth(); got != 0 {
		t.Errorf("Depth() after reopen with all acknowledged = %d, want 0", got)
	}
	enqueue(t, w, testEvents(200, 1))
	if _, seqs = drain(t, w, 10); seqs[0] != 111 {
		t.Errorf("seq after reopen = %d, want 111", seqs[0])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// Without the checkpoint, what is still in a segment comes again (the
	// batcher deduplicates by LastSeq) and numbering still continues.
	if err := os.Remove(filepath.Join(dir, checkpointName)); err != nil {
		t.Fatal(err)
	}
	w = openWAL(t, dir, Options{})
	enqueue(t, w, testEvents(201, 1))
	got, seqs = drain(t, w, 10)
	if diff := cmp.Diff([]uint64{200, 201}, sessionIDs(got)); diff != "" || seqs[len(seqs)-1] != 112 {
		t.Errorf("after losing the checkpoint: events (-want +got):\n%s\nlast seq %d, want 112", diff, seqs[len(seqs)-1])
	}
}

func TestAckedThrough(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{})
	enqueue(t, w, testEvents(0, 60))
	enqueue(t, w, testEvents(60, 40))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// The events store already has 1..70 (a crash after AppendSeq, before
	// Ack): the WAL must skip them, even in the middle of a record.
	w = openWAL(t, dir, Options{AckedThrough: 70})
	if got := w.Depth(); got != 30 {
		t.Errorf("Depth() with AckedThrough 70 = %d, want 30", got)
	}
	got, seqs := drain(t, w, 8)
	if diff := cmp.Diff(span(70, 30), sessionIDs(got)); diff != "" {
		t.Errorf("events after AckedThrough (-want +got):\n%s", diff)
	}
	if seqs[len(seqs)-1] != 100 {
		t.Errorf("last seq = %d, want 100", seqs[len(seqs)-1])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// A lost WAL directory must not restart numbering below what the
	// store holds, or the batcher would drop new events as duplicates.
	w = openWAL(t, t.TempDir(), Options{AckedThrough: 5000})
	enqueue(t, w, testEvents(0, 1))
	if _, seqs := drain(t, w, 1); seqs[0] != 5001 {
		t.Errorf("first seq in a fresh WAL with AckedThrough 5000 = %d, want 5001", seqs[0])
	}
}

func TestCloseSemantics(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{})
	ctx := context.Background()

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := w.Next(short, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next on an empty queue with a deadline = %v, want DeadlineExceeded", err)
	}

	if _, err := Open(dir, Options{}); err == nil {
		t.Errorf("second Open of a locked directory succeeded, want an error")
	}

	enqueue(t, w, testEvents(0, 3))
	b, err := w.Next(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error)
	go func() { _, err := w.Next(ctx, 10); errc <- err }()
	time.Sleep(20 * time.Millisecond) // let Next block
	if err := w.Close(); err != nil {
		t.Fatalf("Close() error: %v", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("blocked Next after Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake a blocked Next")
	}
	if err := w.Enqueue(ctx, testEvents(3, 1)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Enqueue after Close = %v, want ErrClosed", err)
	}
	if _, err := w.Next(ctx, 1); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
	if err := w.Ack(ctx, b); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Ack after Close = %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}

	// The directory is free again and nothing acknowledged was lost.
	w = openWAL(t, dir, Options{})
	if got, _ := drain(t, w, 10); len(got) != 3 {
		t.Errorf("after Close and reopen: %d events, want 3", len(got))
	}
}

func TestAckOrder(t *testing.T) {
	w := openWAL(t, t.TempDir(), Options{})
	ctx := context.Background()
	enqueue(t, w, testEvents(0, 10))
	b1, _ := w.Next(ctx, 3)
	b2, _ := w.Next(ctx, 3)
	for _, tt := range []struct {
		name string
		b    store.Batch
	}{
		{"never handed out", store.Batch{Seq: 9, Events: testEvents(0, 1)}},
		{"empty", store.Batch{Seq: 3}},
		{"second before first", b2},
		{"first, altered", store.Batch{Seq: b1.Seq, Events: b1.Events[:1]}},
	} {
		if err := w.Ack(ctx, tt.b); err == nil {
			t.Errorf("Ack(%s batch) = nil, want an error", tt.name)
		}
	}
	if err := w.Ack(ctx, b1); err != nil {
		t.Fatal(err)
	}
	if err := w.Ack(ctx, b1); err == nil {
		t.Errorf("Ack of the same batch twice = nil, want an error")
	}
	if err := w.Ack(ctx, b2); err != nil {
		t.Errorf("Ack(second batch) = %v", err)
	}
	if got := w.Depth(); got != 4 {
		t.Errorf("Depth() = %d, want 4", got)
	}
}

func TestConcurrentEnqueue(t *testing.T) {
	w := openWAL(t, t.TempDir(), Options{SegmentSize: 64 << 10})
	const writers, per = 32, 200
	ctx := context.Background()
	done := make(chan []store.Event)
	go func() {
		var got []store.Event
		for len(got) < writers*per {
			b, err := w.Next(ctx, 500)
			if err != nil {
				t.Error(err)
				break
			}
			got = append(got, b.Events...)
			if err := w.Ack(ctx, b); err != nil {
				t.Error(err)
				break
			}
		}
		done <- got
	}()
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range per {
				if err := w.Enqueue(ctx, testEvents(g*per+i, 1)); err != nil {
					t.Errorf("Enqueue: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := <-done
	seen := make(map[uint64]int)
	last := make(map[int]uint64) // per writer, events keep their order
	for _, e := range got {
		seen[e.SessionID]++
		g := int(e.SessionID) / per
		if prev, ok := last[g]; ok && e.SessionID <= prev {
			t.Fatalf("writer %d: event %d delivered after %d", g, e.SessionID, prev)
		}
		last[g] = e.SessionID
	}
	for i := range writers * per {
		if seen[uint64(i)] != 1 {
			t.Fatalf("event %d delivered %d times, want 1", i, seen[uint64(i)])
		}
	}
	st := w.Stats()
	t.Logf("%d events in %d fsyncs (%.1f per fsync), fsync avg %v", st.Events, st.Fsyncs,
		float64(st.Events)/float64(st.Fsyncs), st.FsyncTotal/time.Duration(st.Fsyncs))
	if st.Fsyncs >= writers*per {
		t.Errorf("Stats().Fsyncs = %d for %d events from %d writers: no group commit", st.Fsyncs, writers*per, writers)
	}
}

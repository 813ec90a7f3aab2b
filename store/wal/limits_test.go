package wal

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

func TestMaxPending(t *testing.T) {
	w := openWAL(t, t.TempDir(), Options{MaxPending: 10})
	ctx := context.Background()
	enqueue(t, w, testEvents(0, 8))
	if err := w.Enqueue(ctx, testEvents(8, 3)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue beyond MaxPending = %v, want ErrFull", err)
	}
	enqueue(t, w, testEvents(8, 2)) // exactly full: accepted
	if err := w.Enqueue(ctx, testEvents(10, 1)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue on a full queue = %v, want ErrFull", err)
	}
	// Handed out is still pending: only Ack makes room.
	b, err := w.Next(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Enqueue(ctx, testEvents(10, 1)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue after Next, before Ack = %v, want ErrFull", err)
	}
	if err := w.Ack(ctx, b); err != nil {
		t.Fatal(err)
	}
	enqueue(t, w, testEvents(10, 4))
	if err := w.Enqueue(ctx, testEvents(0, 11)); !errors.Is(err, store.ErrFull) {
		t.Errorf("Enqueue of more than MaxPending at once = %v, want ErrFull", err)
	}
	got, _ := drain(t, w, 100)
	if diff := cmp.Diff(span(4, 10), sessionIDs(got)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestLowDisk(t *testing.T) {
	var mu sync.Mutex
	free := uint64(1 << 30)
	setFree := func(n uint64) { mu.Lock(); free = n; mu.Unlock() }
	opts := Options{
		MinFreeBytes:   100 << 20,
		FreeSpace:      func(string) (uint64, error) { mu.Lock(); defer mu.Unlock(); return free, nil },
		diskCheckEvery: time.Nanosecond,
	}
	w := openWAL(t, t.TempDir(), opts)
	ctx := context.Background()
	enqueue(t, w, testEvents(0, 1))
	setFree(99 << 20)
	if err := w.Enqueue(ctx, testEvents(1, 1)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue with free space below MinFreeBytes = %v, want ErrFull", err)
	}
	setFree(200 << 20)
	enqueue(t, w, testEvents(2, 1))
	got, _ := drain(t, w, 10)
	if diff := cmp.Diff([]uint64{0, 2}, sessionIDs(got)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// Low from the start: Open succeeds (the backlog must drain) but
	// Enqueue refuses.
	setFree(0)
	w2 := openWAL(t, t.TempDir(), Options{MinFreeBytes: 1, FreeSpace: opts.FreeSpace})
	if err := w2.Enqueue(ctx, testEvents(0, 1)); !errors.Is(err, store.ErrFull) {
		t.Errorf("Enqueue on a full disk at Open = %v, want ErrFull", err)
	}
}

// TestBacklogBounded replays more events than MaxPending: they are read from
// disk as Next asks, Enqueue refuses until the backlog shrinks, and batches
// span records.
func TestBacklogBounded(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{SegmentSize: 8192})
	for i := range 300 {
		enqueue(t, w, testEvents(i, 1))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w = openWAL(t, dir, Options{MaxPending: 100, SegmentSize: 8192})
	ctx := context.Background()
	if err := w.Enqueue(ctx, testEvents(300, 1)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue with a backlog above MaxPending = %v, want ErrFull", err)
	}
	b, err := w.Next(ctx, 250)
	if err != nil || len(b.Events) != 250 || b.Seq != 250 {
		t.Fatalf("Next(250) = %d events seq %d, %v; want 250 events seq 250", len(b.Events), b.Seq, err)
	}
	if err := w.Ack(ctx, b); err != nil {
		t.Fatal(err)
	}
	enqueue(t, w, testEvents(300, 1))
	got, _ := drain(t, w, 1000)
	if diff := cmp.Diff(span(250, 51), sessionIDs(got)); diff != "" {
		t.Errorf("rest of backlog then new (-want +got):\n%s", diff)
	}
}

// TestMemoryWindow keeps only a few events in memory: the rest are read
// back from the segment files, in order, across rotations, while new
// events keep arriving, and the queue returns to memory once caught up.
func TestMemoryWindow(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{memWindow: 10, SegmentSize: 4096})
	ctx := context.Background()
	next := 0
	add := func(n int) {
		for range n {
			enqueue(t, w, testEvents(next, 1+next%3))
			next += 1 + next%3
		}
	}
	add(60)
	if n := len(w.mem) - w.memHead; n > 10 {
		t.Fatalf("%d events in memory, window is 10", n)
	}
	var got []store.Event
	for i := 0; w.Depth() > 0; i++ {
		b, err := w.Next(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b.Events...)
		if err := w.Ack(ctx, b); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 && next < 400 {
			add(7) // arrivals while the reader is behind
		}
	}
	if diff := cmp.Diff(span(0, next), sessionIDs(got)); diff != "" {
		t.Errorf("events through the memory window (-want +got):\n%s", diff)
	}
	w.mu.Lock()
	spill := w.spill
	w.mu.Unlock()
	if spill {
		t.Errorf("still reading from disk after catching up")
	}
	// Back in memory: a new event comes without the reader.
	enqueue(t, w, testEvents(next, 1))
	if got, _ := drain(t, w, 10); len(got) != 1 || got[0].SessionID != uint64(next) {
		t.Errorf("after catching up: got %v, want event %d", sessionIDs(got), next)
	}
	if files := segmentFiles(t, dir); len(files) != 1 {
		t.Errorf("segment files after acknowledging all = %v, want one", files)
	}
}

// TestMemoryWindowReopen closes with events spilled to disk and some handed
// out: they all come back after Open.
func TestMemoryWindowReopen(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{memWindow: 5, SegmentSize: 4096})
	ctx := context.Background()
	for i := range 50 {
		enqueue(t, w, testEvents(i, 1))
	}
	b, err := w.Next(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Ack(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Next(ctx, 20); err != nil { // handed out, not acknowledged
		t.Fatal(err)
	}
	_ = w.Close()
	w = openWAL(t, dir, Options{memWindow: 5, SegmentSize: 4096})
	got, _ := drain(t, w, 9)
	if diff := cmp.Diff(span(len(b.Events), 50-len(b.Events)), sessionIDs(got)); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
}

package wal

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/footfallhq/footfall/store"
)

// FuzzDecodeEvent feeds arbitrary bytes to the event decoder: it must not
// panic, must not claim more bytes than it was given, and what it accepts
// must encode back to something that decodes to the same event.
func FuzzDecodeEvent(f *testing.F) {
	for _, e := range []store.Event{{}, testEvent(1), testEvent(10)} {
		f.Add(appendEvent(nil, &e))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e store.Event
		n, err := decodeEvent(string(data), &e)
		if err != nil {
			return
		}
		if n <= 0 || n > len(data) {
			t.Fatalf("decodeEvent used %d of %d bytes", n, len(data))
		}
		again := appendEvent(nil, &e)
		var e2 store.Event
		if _, err := decodeEvent(string(again), &e2); err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
		if diff := cmp.Diff(e, e2, cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("decode(encode(decode(data))) differs (-first +second):\n%s", diff)
		}
	})
}

// FuzzReplay opens a WAL whose segment holds arbitrary bytes, as the newest
// segment or as an older one. Open may refuse it but must not panic; if it
// opens, it must deliver exactly Depth events in order, and a second Open
// must find the repair made by the first.
func FuzzReplay(f *testing.F) {
	f.Add(validSegment(f), true)
	f.Add(validSegment(f), false)
	f.Add(appendSegmentHeader(nil, 1), true)
	f.Fuzz(func(t *testing.T, data []byte, newest bool) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o640); err != nil {
			t.Fatal(err)
		}
		if !newest {
			// A later, valid segment makes the fuzzed one an older segment,
			// where damage is an error rather than a torn tail.
			const next = 1 << 40
			later := appendRecord(appendSegmentHeader(nil, next), next, 1, 0, appendEvent(nil, new(testEvent(1))))
			if err := os.WriteFile(filepath.Join(dir, segmentName(next)), later, 0o640); err != nil {
				t.Fatal(err)
			}
		}
		opts := Options{SegmentSize: 4096, noPrealloc: true, MinFreeBytes: -1}
		w, err := Open(dir, opts)
		if err != nil {
			return
		}
		depth := w.Depth()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var prev uint64
		got := 0
		for got < depth {
			b, err := w.Next(ctx, 1000)
			if err != nil {
				t.Fatalf("Next after a successful Open: %v", err)
			}
			if b.Seq <= prev {
				t.Fatalf("Next returned seq %d after %d", b.Seq, prev)
			}
			prev = b.Seq
			got += len(b.Events)
		}
		if got != depth {
			t.Fatalf("delivered %d events, Depth() said %d", got, depth)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		w, err = Open(dir, opts)
		if err != nil {
			t.Fatalf("second Open failed after the first succeeded: %v", err)
		}
		if w.Depth() != depth {
			t.Errorf("second Open: Depth() = %d, first said %d", w.Depth(), depth)
		}
		_ = w.Close()
	})
}

// validSegment returns the bytes of a small segment starting at seq 1.
func validSegment(tb testing.TB) []byte {
	seg := appendSegmentHeader(nil, 1)
	seq := uint64(1)
	for i := range 4 {
		var body []byte
		evs := testEvents(i*3, i+1)
		for j := range evs {
			body = appendEvent(body, &evs[j])
		}
		seg = appendRecord(seg, seq, len(evs), uint32(i), body)
		seq += uint64(len(evs))
	}
	return seg
}

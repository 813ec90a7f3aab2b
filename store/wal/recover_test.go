package wal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// writeLog writes records of 1 to 4 events into a fresh WAL with a single
// segment and closes it. It returns the segment's bytes, the end offset of
// each record and the number of events up to each record's end.
func writeLog(t *testing.T, records int) (data []byte, ends, counts []int) {
	t.Helper()
	dir := t.TempDir()
	w := openWAL(t, dir, Options{noPrealloc: true, SegmentSize: 1 << 20})
	n := 0
	for i := range records {
		k := i%4 + 1
		enqueue(t, w, testEvents(n, k))
		n += k
		ends = append(ends, int(usedBytes(w)))
		counts = append(counts, n)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, segmentName(1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != ends[len(ends)-1] {
		t.Fatalf("segment is %d bytes, Stats said %d", len(data), ends[len(ends)-1])
	}
	return data, ends, counts
}

// reopenWith writes data as the only segment of a new directory and opens
// it.
func reopenWith(t *testing.T, data []byte) (*WAL, string, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, segmentName(1))
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir, Options{Logger: testLogger(t), SegmentSize: 64 << 10})
	if err == nil {
		t.Cleanup(func() { _ = w.Close() })
	}
	return w, path, err
}

// completeEvents returns how many events the records wholly inside the
// first k bytes hold.
func completeEvents(ends, counts []int, k int) int {
	n := 0
	for i, end := range ends {
		if end <= k {
			n = counts[i]
		}
	}
	return n
}

func TestTornTail(t *testing.T) {
	data, ends, counts := writeLog(t, 40)
	rng := rand.New(rand.NewPCG(1, 2))
	offsets := []int{0, 1, segHeaderSize - 1, segHeaderSize, segHeaderSize + 1, len(data) - 1}
	for _, e := range ends {
		offsets = append(offsets, e-1, e, e+1)
	}
	for range 100 {
		offsets = append(offsets, rng.IntN(len(data)+1))
	}
	for i, k := range offsets {
		k = min(k, len(data))
		// A crash leaves the tail cut short, or cut short and followed by
		// zeros or by junk (blocks of a write that never fully landed).
		// Each offset gets one kind, in turn, to keep the test quick.
		tail := [...]string{"cut", "zeros", "junk"}[i%3]
		torn := bytes.Clone(data[:k])
		switch tail {
		case "zeros":
			torn = append(torn, make([]byte, 1+rng.IntN(5000))...)
		case "junk":
			junk := make([]byte, 1+rng.IntN(300))
			for i := range junk {
				junk[i] = byte(rng.Uint32())
			}
			torn = append(torn, junk...)
		}
		w, path, err := reopenWith(t, torn)
		if err != nil {
			t.Fatalf("Open after a %s tail at offset %d of %d: %v", tail, k, len(data), err)
		}
		want := completeEvents(ends, counts, k)
		if got := w.Depth(); got != want {
			t.Fatalf("%s tail at %d: Depth() = %d, want %d", tail, k, got, want)
		}
		// The repair sticks: the torn bytes are gone from the file (or the
		// file is, if it held nothing complete; it may then be the new one).
		// Zeros are left: they look like preallocated space.
		if fi, err := os.Stat(path); err == nil && tail != "zeros" && fi.Size() > int64(max(k, segHeaderSize)) {
			t.Fatalf("%s tail at %d: segment is %d bytes after repair", tail, k, fi.Size())
		}
		got, _ := drain(t, w, 1000)
		if diff := cmp.Diff(span(0, want), sessionIDs(got)); diff != "" {
			t.Fatalf("%s tail at %d: events (-want +got):\n%s", tail, k, diff)
		}
	}
}

func TestCorruptMiddle(t *testing.T) {
	data, ends, counts := writeLog(t, 10)
	starts := append([]int{segHeaderSize}, ends[:len(ends)-1]...)
	tests := []struct {
		name    string
		at      int // byte to damage
		wantOff int
	}{
		{"header magic", 0, 0},
		{"length of first record", starts[0], starts[0]},
		{"checksum of record 3", starts[3] + 5, starts[3]},
		{"seq of record 4", starts[4] + frameHeaderSize + 2, starts[4]},
		{"event in record 5", (starts[5] + ends[5]) / 2, starts[5]},
		{"last byte of record 7", ends[7] - 1, starts[7]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := bytes.Clone(data)
			bad[tt.at] ^= 0x20
			_, path, err := reopenWith(t, bad)
			want := fmt.Sprintf("%s at offset %d", path, tt.wantOff)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Open with byte %d damaged = %v, want an error containing %q", tt.at, err, want)
			}
		})
	}

	// Each record here was its own group commit. Damage within the newest
	// maxSyncs groups cannot be told from a crash during their (unsynced)
	// writes: it is cut off like a torn write, holes included.
	for _, tt := range []struct {
		name     string
		from, to int // bytes to damage
	}{
		{"flip in the last record", len(data) - 3, len(data) - 2},
		{"flip in the second-last record", starts[8] + 30, starts[8] + 31},
		{"hole in the second-last record", (starts[8] + ends[8]) / 2, ends[8]},
	} {
		bad := bytes.Clone(data)
		for i := tt.from; i < tt.to; i++ {
			if strings.HasPrefix(tt.name, "hole") {
				bad[i] = 0
			} else {
				bad[i] ^= 0x20
			}
		}
		w, _, err := reopenWith(t, bad)
		if maxSyncs < 2 && tt.from < ends[8] {
			// With one sync in flight the second-last group was synced
			// before the last was written: its damage is real corruption.
			if err == nil {
				t.Errorf("Open with %s succeeded, want a corruption error", tt.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Open with %s: %v", tt.name, err)
		}
		want := counts[len(counts)-2]
		if tt.from < ends[8] {
			want = counts[len(counts)-3]
		}
		if got := w.Depth(); got != want {
			t.Errorf("Depth() with %s = %d, want %d", tt.name, got, want)
		}
	}
}

func TestCorruptOlderSegment(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{SegmentSize: 4096})
	for i := range 60 {
		enqueue(t, w, testEvents(i*3, 3))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files := segmentFiles(t, dir)
	if len(files) < 3 {
		t.Fatalf("want several segments, got %v", files)
	}
	// The tail of a segment that is not the newest was fsynced before the
	// next one was created: damage there is never a torn write.
	victim := files[0]
	data, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-2] ^= 1
	if err := os.WriteFile(victim, data, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir, Options{SegmentSize: 64 << 10})
	if err == nil || !strings.Contains(err.Error(), victim) {
		t.Fatalf("Open with the end of %s damaged = %v, want an error naming it", victim, err)
	}
	var ce *corruptError
	if !errors.As(err, &ce) {
		t.Errorf("error %v is not a *corruptError", err)
	}
}

// failingWrites makes the WAL's writes fail with errno while set, after
// writing half of the data, as a disk filling up mid-write does.
func failingWrites(errno *atomic.Value) func(f *os.File, p []byte, off int64) (int, error) {
	return func(f *os.File, p []byte, off int64) (int, error) {
		if e, _ := errno.Load().(syscall.Errno); e != 0 {
			n, _ := f.WriteAt(p[:len(p)/2], off)
			return n, e
		}
		return f.WriteAt(p, off)
	}
}

func TestDiskFullWrite(t *testing.T) {
	dir := t.TempDir()
	var errno atomic.Value
	errno.Store(syscall.Errno(0))
	opts := Options{
		noPrealloc:     true,
		writeAt:        failingWrites(&errno),
		FreeSpace:      func(string) (uint64, error) { return 1 << 40, nil },
		diskCheckEvery: time.Nanosecond,
	}
	w := openWAL(t, dir, opts)
	ctx := context.Background()
	enqueue(t, w, testEvents(0, 3))
	errno.Store(syscall.ENOSPC)
	if err := w.Enqueue(ctx, testEvents(100, 5)); !errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue when the write hits ENOSPC = %v, want ErrFull", err)
	}
	if got := w.Depth(); got != 3 {
		t.Errorf("Depth() after a failed write = %d, want 3", got)
	}
	errno.Store(syscall.Errno(0))
	time.Sleep(time.Millisecond) // past the free-space recheck
	enqueue(t, w, testEvents(3, 2))
	size := usedBytes(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, segmentName(1))); err != nil || fi.Size() != size {
		t.Errorf("segment size = %v (%v), want %d: the failed write was not cut off", fi.Size(), err, size)
	}

	// The log holds exactly the acknowledged events, numbered without a gap.
	w = openWAL(t, dir, Options{})
	got, seqs := drain(t, w, 100)
	if diff := cmp.Diff(span(0, 5), sessionIDs(got)); diff != "" {
		t.Errorf("events after a full disk (-want +got):\n%s", diff)
	}
	if seqs[len(seqs)-1] != 5 {
		t.Errorf("last seq = %d, want 5", seqs[len(seqs)-1])
	}
}

func TestIOErrorIsSticky(t *testing.T) {
	dir := t.TempDir()
	var errno atomic.Value
	errno.Store(syscall.Errno(0))
	w := openWAL(t, dir, Options{writeAt: failingWrites(&errno)})
	ctx := context.Background()
	enqueue(t, w, testEvents(0, 2))
	errno.Store(syscall.EIO)
	if err := w.Enqueue(ctx, testEvents(2, 1)); err == nil || errors.Is(err, store.ErrFull) {
		t.Fatalf("Enqueue when the write hits EIO = %v, want a non-ErrFull error", err)
	}
	errno.Store(syscall.Errno(0))
	if err := w.Enqueue(ctx, testEvents(2, 1)); !errors.Is(err, syscall.EIO) {
		t.Errorf("Enqueue after an I/O error = %v, want the same error until reopened", err)
	}
	_ = w.Close()
	w = openWAL(t, dir, Options{})
	if got, _ := drain(t, w, 10); len(got) != 2 {
		t.Errorf("after an I/O error and reopen: %d events, want 2", len(got))
	}
}

func TestDamagedCheckpointIgnored(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{})
	enqueue(t, w, testEvents(0, 4))
	_, _ = drain(t, w, 2)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, checkpointName), []byte("garbage"), 0o640); err != nil {
		t.Fatal(err)
	}
	// Redelivery, not failure: the batcher deduplicates.
	w = openWAL(t, dir, Options{})
	if got, _ := drain(t, w, 10); len(got) != 4 {
		t.Errorf("with a damaged checkpoint: %d events redelivered, want 4", len(got))
	}
}

// failingSyncs makes the WAL's fdatasyncs fail with errno while set.
func failingSyncs(errno *atomic.Value) func(f *os.File) error {
	return func(f *os.File) error {
		if e, _ := errno.Load().(syscall.Errno); e != 0 {
			return e
		}
		return datasync(f)
	}
}

func TestSyncErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("ENOSPC on a plain segment is undone", func(t *testing.T) {
		dir := t.TempDir()
		var errno atomic.Value
		errno.Store(syscall.Errno(0))
		w := openWAL(t, dir, Options{noPrealloc: true, datasync: failingSyncs(&errno),
			FreeSpace: func(string) (uint64, error) { return 1 << 40, nil }, diskCheckEvery: time.Nanosecond})
		enqueue(t, w, testEvents(0, 2))
		errno.Store(syscall.ENOSPC)
		if err := w.Enqueue(ctx, testEvents(10, 3)); !errors.Is(err, store.ErrFull) {
			t.Fatalf("Enqueue when fdatasync hits ENOSPC = %v, want ErrFull", err)
		}
		errno.Store(syscall.Errno(0))
		time.Sleep(time.Millisecond) // past the free-space recheck
		enqueue(t, w, testEvents(2, 1))
		_ = w.Close()
		w = openWAL(t, dir, Options{})
		got, seqs := drain(t, w, 10)
		if diff := cmp.Diff(span(0, 3), sessionIDs(got)); diff != "" || seqs[len(seqs)-1] != 3 {
			t.Errorf("after ENOSPC from fdatasync: events (-want +got):\n%s\nlast seq %d, want 3", diff, seqs[len(seqs)-1])
		}
	})
	t.Run("EIO breaks the WAL", func(t *testing.T) {
		dir := t.TempDir()
		var errno atomic.Value
		errno.Store(syscall.Errno(0))
		w := openWAL(t, dir, Options{datasync: failingSyncs(&errno)})
		enqueue(t, w, testEvents(0, 2))
		errno.Store(syscall.EIO)
		if err := w.Enqueue(ctx, testEvents(2, 1)); !errors.Is(err, syscall.EIO) {
			t.Fatalf("Enqueue when fdatasync hits EIO = %v, want EIO", err)
		}
		errno.Store(syscall.Errno(0))
		if err := w.Enqueue(ctx, testEvents(3, 1)); !errors.Is(err, syscall.EIO) {
			t.Errorf("Enqueue after a failed sync = %v, want the same error until reopened", err)
		}
		_ = w.Close()
		// What the failed sync covered may or may not be on disk: replay
		// decides, and nothing acknowledged is missing.
		w = openWAL(t, dir, Options{})
		got, _ := drain(t, w, 10)
		if ids := sessionIDs(got); len(ids) < 2 || ids[0] != 0 || ids[1] != 1 {
			t.Errorf("after EIO and reopen: events %v, want 0 and 1 first", ids)
		}
	})
}

// TestCleanReopenIsQuiet checks that preallocated space is not mistaken
// for damage: reopening after a clean Close warns about nothing.
func TestCleanReopenIsQuiet(t *testing.T) {
	dir := t.TempDir()
	w := openWAL(t, dir, Options{})
	for i := range 200 {
		enqueue(t, w, testEvents(i*4, 4))
	}
	if st := w.Stats(); st.Bytes < 64<<10 {
		t.Errorf("Stats().Bytes = %d: segments do not look preallocated", st.Bytes)
	}
	_ = w.Close()
	var logs strings.Builder
	w = openWAL(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if logs.Len() > 0 {
		t.Errorf("clean reopen logged:\n%s", logs.String())
	}
	if got, _ := drain(t, w, 1000); len(got) != 800 {
		t.Errorf("clean reopen delivered %d events, want 800", len(got))
	}
}

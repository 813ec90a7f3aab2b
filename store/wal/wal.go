// Package wal is the embedded durable ingest queue: an append-only,
// segmented write-ahead log in the data directory that implements
// store.Queue for single-machine installs.
//
// Enqueue returns only after its events are written and synced to disk, so
// an acknowledged event survives kill -9 and power loss. Concurrent callers
// share writes and syncs (group commit): one writer goroutine takes every
// call queued since its last turn, writes them as one group and starts an
// fdatasync, with up to two in flight, so the sync rate stays at what the
// disk can do while throughput grows with concurrency. Segment files are
// zero-filled ahead of need, so that a sync flushes data and no file-system
// metadata.
//
// Events wait in memory for Next as well as on disk, bounded by
// Options.MaxPending. After a restart the unacknowledged events are read
// back from the segment files one segment at a time, never all at once.
// A segment file is deleted once every event in it is acknowledged.
//
// The file layout is documented in segment.go, the event encoding in
// codec.go, the checkpoint in checkpoint.go.
package wal

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/footfallhq/footfall/store"
)

var _ store.Queue = (*WAL)(nil)

// Options configures Open. The zero value is usable.
type Options struct {
	// MaxPending bounds the events enqueued and not yet acknowledged;
	// Enqueue returns store.ErrFull rather than exceed it. Only the oldest
	// 16,384 of them wait in memory (about 11 MB); Next reads the rest back
	// from disk. Default 200,000.
	MaxPending int
	// SegmentSize is the size of a segment file. Segments are zero-filled
	// to it ahead of use (the current one and a spare: about 32 MiB on disk
	// at rest), and Open reads one at a time into memory to check it.
	// Default 16 MiB, minimum 4 KiB.
	SegmentSize int64
	// MinFreeBytes: while the file system holding the WAL has less free
	// space than this, Enqueue returns store.ErrFull. Checked at most once a
	// second. Default 64 MiB; negative disables the check (a write that
	// fails with ENOSPC still returns store.ErrFull).
	MinFreeBytes int64
	// AckedThrough is the last sequence number the events store is known to
	// hold (store.SequencedAppender.LastSeq). Replayed events at or below it
	// are dropped, and new events are numbered above it even if the WAL
	// directory was lost.
	AckedThrough uint64
	// Logger receives warnings (torn tails, disk space); nil discards.
	Logger *slog.Logger
	// FreeSpace reports the bytes available on the file system holding
	// dir. Nil means statfs(2); tests set it to simulate a full disk.
	FreeSpace func(dir string) (uint64, error)

	// Test hooks, settable only from this package's tests.
	writeAt         func(f *os.File, p []byte, off int64) (int, error)
	datasync        func(f *os.File) error
	diskCheckEvery  time.Duration
	checkpointEvery time.Duration
	noPrealloc      bool // one plain segment after another, for tests of the file layout
	memWindow       int
}

func (o Options) withDefaults() Options {
	if o.MaxPending <= 0 {
		o.MaxPending = 200_000
	}
	if o.SegmentSize <= 0 {
		o.SegmentSize = 16 << 20
	}
	o.SegmentSize = max(o.SegmentSize, 4<<10)
	if o.MinFreeBytes == 0 {
		o.MinFreeBytes = 64 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.FreeSpace == nil {
		o.FreeSpace = statfsFree
	}
	if o.writeAt == nil {
		o.writeAt = (*os.File).WriteAt
	}
	if o.datasync == nil {
		o.datasync = datasync
	}
	if o.diskCheckEvery == 0 {
		o.diskCheckEvery = time.Second
	}
	if o.checkpointEvery == 0 {
		o.checkpointEvery = time.Second
	}
	if o.memWindow == 0 {
		o.memWindow = defaultMemWindow
	}
	return o
}

// WAL is a durable queue of events backed by segment files in one
// directory, which it locks against other processes. It is safe for
// concurrent use; Next and Ack are meant for one consumer.
type WAL struct {
	dir  string
	opts Options
	log  *slog.Logger

	unlock     func() error
	wake       chan struct{} // capacity 1: the writer has requests to take
	writerDone chan struct{}
	nextSem    chan struct{} // capacity 1: one Next at a time
	reqPool    sync.Pool

	// admitted counts events enqueued or being enqueued and not yet
	// acknowledged; it is the MaxPending gate, kept outside mu so a full
	// queue turns callers away without contention.
	admitted atomic.Int64
	depth    atomic.Int64

	lowDisk       atomic.Bool
	lastDiskCheck atomic.Int64 // UnixNano

	// Owned by the writer goroutine (by Open before it starts and by Close
	// after it ends).
	file      *os.File
	cur       *segment // the last of segs; it and its fields change under mu
	writeOff  int64    // end of the last write in cur; cur.size is the end of the last release
	nextSeq   uint64
	nextGroup uint64
	segGroup  uint32   // the next group's number within cur
	groups    []*group // written, not yet released, oldest first
	inflight  int      // syncs running
	lastGroup int      // requests in the last group written, for the commit delay
	synced    chan syncResult
	broken    error // the writer's copy of failed
	wbuf      []byte
	spare     *os.File // a prepared segment, ready for use
	spareBusy bool     // a goroutine is preparing one
	spareCh   chan spareResult

	// Owned by whoever holds nextSem.
	rd reader

	ckMu    sync.Mutex
	ckAcked uint64
	ckTime  time.Time

	mu       sync.Mutex
	closed   bool
	failed   error      // sticky: the log can no longer be trusted for writes
	pending  []*request // waiting for the writer
	acked    uint64     // highest acknowledged seq
	out      []handout  // returned by Next, not yet acknowledged, in order
	mem      []store.Event
	memHead  int    // mem[memHead:] have not been handed out
	memSeq   uint64 // seq of mem[memHead]
	released uint64 // seq of the last event made durable
	spill    bool   // events after mem are on disk only: rd reads them
	spillAt  spillPos
	avail    chan struct{}
	waiting  bool       // a Next waits on avail
	segs     []*segment // oldest first; the last one is being written
	stats    Stats
}

// Stats is a snapshot for metrics.
type Stats struct {
	Depth      int           // events enqueued and not acknowledged
	Segments   int           // segment files on disk
	Bytes      int64         // bytes in segment files, preallocated space included
	Fsyncs     uint64        // fdatasync calls since Open, one per group commit
	Events     uint64        // events made durable since Open
	LastFsync  time.Duration // duration of the latest fdatasync
	FsyncTotal time.Duration // summed duration of all of them (they may overlap)
}

// request is one Enqueue call waiting for the writer.
type request struct {
	events []store.Event
	body   []byte // events encoded, without the record frame
	seq    uint64 // first seq, set by the writer
	done   chan error
}

// Open opens the WAL in dir, creating dir if needed, and replays it: every
// segment is read and checked, a torn write at the end of the newest one is
// cut off with a warning, and unacknowledged events become pending again.
// Damage anywhere else is an error naming the file and offset; Open does
// not guess which events to drop.
func Open(dir string, opts Options) (*WAL, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	w := &WAL{
		dir:        dir,
		opts:       opts,
		log:        opts.Logger.With("component", "wal"),
		unlock:     unlock,
		wake:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		nextSem:    make(chan struct{}, 1),
		avail:      make(chan struct{}),
		spareCh:    make(chan spareResult, 1),
		synced:     make(chan syncResult, maxSyncs),
	}
	if err := w.recover(); err != nil {
		_ = unlock()
		return nil, err
	}
	w.checkDisk(true)
	if !opts.noPrealloc {
		w.prepareSpare()
	}
	go w.run()
	return w, nil
}

// Enqueue makes events durable before it returns nil; see store.Queue. It
// keeps the events (including their Props maps) for delivery by Next, so
// the caller must not modify them afterwards. It returns store.ErrFull,
// accepting nothing, when MaxPending would be exceeded, when free disk
// space is below MinFreeBytes or when the write hits a full disk;
// store.ErrClosed after Close; and, after an I/O error other than a full
// disk, that error for every call until the WAL is reopened. ctx is
// consulted only before the events are handed to the writer.
func (w *WAL) Enqueue(ctx context.Context, events []store.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.checkDisk(false)
	if w.lowDisk.Load() {
		return fmt.Errorf("wal: free disk space below %d bytes: %w", w.opts.MinFreeBytes, store.ErrFull)
	}
	n := int64(len(events))
	if w.admitted.Add(n) > int64(w.opts.MaxPending) {
		w.admitted.Add(-n)
		return store.ErrFull
	}
	r := w.newRequest()
	for i := range events {
		r.body = appendEvent(r.body, &events[i])
	}
	if len(r.body)+recHeaderSize > maxRecordBody {
		w.admitted.Add(-n)
		w.freeRequest(r)
		return fmt.Errorf("wal: %d events encode to more than %d bytes: enqueue fewer at a time", n, maxRecordBody)
	}
	r.events = events

	w.mu.Lock()
	err := w.failed
	if w.closed {
		err = store.ErrClosed
	}
	if err == nil {
		w.pending = append(w.pending, r)
	}
	w.mu.Unlock()
	if err != nil {
		w.admitted.Add(-n)
		w.freeRequest(r)
		return err
	}
	select {
	case w.wake <- struct{}{}:
	default: // the writer already has a wake-up pending
	}
	err = <-r.done
	w.freeRequest(r)
	return err
}

func (w *WAL) newRequest() *request {
	if r, ok := w.reqPool.Get().(*request); ok {
		return r
	}
	return &request{done: make(chan error, 1)}
}

func (w *WAL) freeRequest(r *request) {
	if cap(r.body) > 64<<10 {
		return // let an unusually large buffer go rather than pin it
	}
	r.events, r.body = nil, r.body[:0]
	w.reqPool.Put(r)
}

// checkDisk refreshes the low-disk flag if the last check is older than
// the interval, so Enqueue pays for statfs at most once a second.
func (w *WAL) checkDisk(force bool) {
	if w.opts.MinFreeBytes < 0 {
		return
	}
	now := time.Now().UnixNano()
	last := w.lastDiskCheck.Load()
	if !force && now-last < int64(w.opts.diskCheckEvery) {
		return
	}
	if !w.lastDiskCheck.CompareAndSwap(last, now) {
		return // another caller is checking
	}
	free, err := w.opts.FreeSpace(w.dir)
	if err != nil {
		// Unknown is not full: a failing statfs must not stop ingestion;
		// a write hitting ENOSPC still would.
		w.log.Warn("cannot read free disk space", "dir", w.dir, "err", err)
		return
	}
	low := free < uint64(w.opts.MinFreeBytes)
	if w.lowDisk.Swap(low) != low {
		if low {
			w.log.Warn("free disk space low: refusing events", "free_bytes", free, "min_free_bytes", w.opts.MinFreeBytes)
		} else {
			w.log.Info("free disk space recovered: accepting events", "free_bytes", free)
		}
	}
}

// Depth returns the number of events enqueued and not yet acknowledged,
// including those replayed at Open.
func (w *WAL) Depth() int { return int(w.depth.Load()) }

// Stats returns counters for metrics.
func (w *WAL) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.stats
	s.Depth = int(w.depth.Load())
	s.Segments = len(w.segs)
	for _, seg := range w.segs {
		s.Bytes += max(seg.size, seg.alloc)
	}
	return s
}

// Close stops accepting events (Enqueue returns store.ErrClosed), wakes a
// blocked Next with store.ErrClosed, waits for Enqueue calls already handed
// to the writer to be committed, records the checkpoint and releases the
// directory. Pending events stay on disk for the next Open. Calling Close
// again returns nil.
func (w *WAL) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.waiting = true
	w.notify()
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.writerDone
	w.dropSpare()
	w.nextSem <- struct{}{} // a Next still running returns promptly: closed is set
	w.rd.close()
	<-w.nextSem

	err := w.file.Sync()
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	w.mu.Lock()
	acked := w.acked
	w.mu.Unlock()
	w.checkpoint(acked, true)
	if uerr := w.unlock(); err == nil {
		err = uerr
	}
	if err != nil {
		return fmt.Errorf("wal: close: %w", err)
	}
	return nil
}

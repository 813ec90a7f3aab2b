package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/footfallhq/footfall/store"
)

// run is the writer goroutine: it takes every request queued since its
// last turn and commits them with one write and one fsync. While it waits
// on the disk, new requests pile up for the next turn; that is the whole of
// the group commit, with no timer and no added latency when idle.
func (w *WAL) run() {
	defer close(w.writerDone)
	for range w.wake {
		w.mu.Lock()
		reqs := w.pending
		w.pending = nil
		closed := w.closed
		w.mu.Unlock()
		if len(reqs) > 0 {
			w.commit(reqs)
		}
		// Enqueue adds nothing once closed is set (both under mu), so what
		// was taken with closed seen is the last of it.
		if closed {
			return
		}
	}
}

// commit writes reqs as consecutive records, fsyncs, and only then makes
// their events visible to Next and answers the callers.
func (w *WAL) commit(reqs []*request) {
	buf := w.wbuf[:0]
	seq := w.nextSeq
	events := 0
	for _, r := range reqs {
		r.seq = seq
		buf = appendRecord(buf, seq, len(r.events), r.body)
		seq += uint64(len(r.events))
		events += len(r.events)
	}
	if cap(buf) <= 4<<20 {
		w.wbuf = buf // keep a buffer of a typical size, not the largest ever
	}

	w.maybeRotate(len(buf))
	seg := w.cur
	off := seg.size
	n, err := w.opts.writeAt(w.file, buf, off)
	if err == nil && n < len(buf) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(buf))
	}
	var took time.Duration
	if err == nil {
		start := time.Now()
		err = datasync(w.file)
		took = time.Since(start)
	}
	if err != nil {
		w.writeFailed(reqs, seg, off, events, err)
		return
	}
	w.nextSeq = seq

	w.mu.Lock()
	seg.size += int64(len(buf))
	seg.last = seq - 1
	if w.memHead == len(w.mem) {
		w.mem, w.memHead = w.mem[:0], 0
		w.memSeq = reqs[0].seq
	}
	for _, r := range reqs {
		w.mem = append(w.mem, r.events...)
	}
	w.depth.Add(int64(events))
	w.stats.Fsyncs++
	w.stats.Events += uint64(events)
	w.stats.LastFsync = took
	w.stats.FsyncTotal += took
	w.notify()
	w.mu.Unlock()

	for _, r := range reqs {
		r.done <- nil
	}
}

// writeFailed cuts a failed write off the end of the segment, so the log
// ends at the last acknowledged record exactly as before, and answers the
// callers. A full disk is a normal condition (store.ErrFull, and the next
// group may succeed); any other I/O error, or failing to restore the
// segment, leaves the WAL refusing writes: after a failed fsync the kernel
// may have dropped the data, and only a reopen (replay) knows what is on
// disk.
func (w *WAL) writeFailed(reqs []*request, seg *segment, off int64, events int, err error) {
	full := isNoSpace(err)
	terr := w.file.Truncate(off)
	if terr == nil {
		terr = w.file.Sync()
	}
	w.mu.Lock()
	seg.alloc = 0 // truncated: no longer preallocated
	w.mu.Unlock()
	reply := fmt.Errorf("wal: write %s: %w", seg.path, err)
	switch {
	case terr != nil:
		reply = fmt.Errorf("wal: write %s: %w (and restoring it failed: %v)", seg.path, err, terr)
		w.setFailed(reply)
	case full:
		w.lowDisk.Store(true) // until the next free-space check says otherwise
		reply = fmt.Errorf("wal: write %s: %v: %w", seg.path, err, store.ErrFull)
		w.log.Warn("disk full: refusing events", "path", seg.path, "err", err)
	default:
		w.setFailed(reply)
	}
	w.admitted.Add(-int64(events))
	for _, r := range reqs {
		r.done <- reply
	}
}

func (w *WAL) setFailed(err error) {
	w.log.Error("write-ahead log failed: refusing events until restart", "err", err)
	w.mu.Lock()
	if w.failed == nil {
		w.failed = err
	}
	w.mu.Unlock()
}

// maybeRotate switches to a new segment before a write of n bytes if the
// current one cannot take it, or if the current one was not preallocated
// and a preallocated one is ready. It prefers the prepared spare and falls
// back to a plain new file; if both fail (a full disk, say) the current
// segment keeps growing and rotation is tried again at the next commit.
func (w *WAL) maybeRotate(n int) {
	w.pollSpare()
	cur := w.cur
	full := cur.last != 0 && cur.size+int64(n) > max(cur.alloc, w.opts.SegmentSize)
	upgrade := cur.last != 0 && cur.alloc == 0 && w.spare != nil
	if !full && !upgrade {
		return
	}
	var (
		seg *segment
		f   *os.File
		err error
	)
	if w.spare != nil {
		f, w.spare = w.spare, nil
		if seg, err = useSpare(w.dir, f, w.nextSeq); err != nil {
			w.log.Warn("cannot use the prepared segment", "err", err)
		}
	}
	if seg == nil {
		if !full {
			return
		}
		if seg, f, err = createSegment(w.dir, w.nextSeq); err != nil {
			w.log.Warn("cannot start a new segment: appending to the current one", "err", err)
			return
		}
	}
	if err := w.file.Close(); err != nil {
		w.log.Warn("close segment", "err", err) // already synced: nothing lost
	}
	w.file, w.cur = f, seg
	w.mu.Lock()
	w.segs = append(w.segs, seg)
	// The segment just closed may already be fully acknowledged; with no
	// further Ack to come it would otherwise stay until the next Open.
	done := w.reclaimable()
	w.mu.Unlock()
	w.removeSegments(done)
	w.prepareSpare()
	w.checkDisk(true)
}

// spareResult is what the goroutine preparing a segment reports.
type spareResult struct {
	f   *os.File
	err error
}

// prepareSpare starts preparing the next segment in the background, so
// the zero-filling never sits in an Enqueue's latency. Writer only.
func (w *WAL) prepareSpare() {
	if w.spareBusy || w.spare != nil {
		return
	}
	w.spareBusy = true
	go func() {
		f, err := prepareSpare(w.dir, w.opts.SegmentSize)
		w.spareCh <- spareResult{f, err}
	}()
}

// pollSpare collects a prepared segment if it is ready. Writer only.
func (w *WAL) pollSpare() {
	if !w.spareBusy {
		return
	}
	select {
	case r := <-w.spareCh:
		w.spareBusy = false
		if r.err != nil {
			w.log.Warn("cannot prepare the next segment", "err", r.err)
			return
		}
		w.spare = r.f
	default:
	}
}

// dropSpare waits for a segment being prepared and deletes it. Close only.
func (w *WAL) dropSpare() {
	if w.spareBusy {
		r := <-w.spareCh
		w.spareBusy, w.spare = false, r.f
	}
	if w.spare != nil {
		_ = w.spare.Close()
		_ = os.Remove(filepath.Join(w.dir, spareName))
		w.spare = nil
	}
}

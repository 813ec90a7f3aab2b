package wal

import (
	"os"
	"path/filepath"
	"time"
)

// maybeRotate switches to a new segment before a write of n bytes if the
// current one cannot take it, or if the current one was not preallocated
// and a preallocated one is ready. It prefers the prepared spare and falls
// back to a plain new file; if both fail (a full disk, say) the current
// segment keeps growing and rotation is tried again at the next commit.
func (w *WAL) maybeRotate(n int) {
	w.pollSpare()
	cur := w.cur
	used := w.writeOff > segHeaderSize
	full := used && w.writeOff+int64(n) > max(cur.alloc, w.opts.SegmentSize)
	upgrade := used && cur.alloc == 0 && w.spare != nil
	if !full && !upgrade {
		return
	}
	// A sync covers one file: the old segment's groups must be released
	// before any in the new one can be.
	w.waitSyncs()
	if w.broken != nil {
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
	w.file, w.writeOff, w.segGroup = f, seg.size, 0
	w.mu.Lock()
	w.cur = seg
	w.segs = append(w.segs, seg)
	// The segment just closed may already be fully acknowledged; with no
	// further Ack to come it would otherwise stay until the next Open.
	done := w.reclaimable()
	w.mu.Unlock()
	w.removeSegments(done)
	w.prepareSpare()
	w.checkDisk(true)
}

// spareSpacing is the pause between the slices of a segment being
// prepared: 16 MiB take about a quarter second, while at 40,000 events a
// second a segment lasts about two.
const spareSpacing = 10 * time.Millisecond

// spareResult is what the goroutine preparing a segment reports.
type spareResult struct {
	f   *os.File
	err error
}

// prepareSpare starts preparing the next segment in the background, so
// the zero-filling never sits in an Enqueue's latency. Writer only.
func (w *WAL) prepareSpare() {
	if w.spareBusy || w.spare != nil || w.opts.noPrealloc {
		return
	}
	w.spareBusy = true
	go func() {
		f, err := prepareSpare(w.dir, w.opts.SegmentSize, spareSpacing)
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

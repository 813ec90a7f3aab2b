package wal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Next returns up to max pending events not yet handed out, oldest first,
// blocking until there is at least one, ctx is done (ctx.Err()) or the WAL
// is closed (store.ErrClosed). Events come from memory or, for the backlog
// found at Open and for events beyond the memory window, from the segment
// files; an error reading those is returned as is and the same events are
// tried again on the next call. The events of a batch have consecutive
// sequence numbers ending at Batch.Seq (the batcher relies on it to drop a
// replayed prefix the store already has).
func (w *WAL) Next(ctx context.Context, max int) (store.Batch, error) {
	if max < 1 {
		return store.Batch{}, errors.New("wal: Next: max must be at least 1")
	}
	select {
	case w.nextSem <- struct{}{}:
	case <-ctx.Done():
		return store.Batch{}, ctx.Err()
	}
	defer func() { <-w.nextSem }()
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return store.Batch{}, store.ErrClosed
		}
		if avail := len(w.mem) - w.memHead; avail > 0 {
			k := min(avail, max)
			b := store.Batch{Events: make([]store.Event, k)}
			copy(b.Events, w.mem[w.memHead:])
			clear(w.mem[w.memHead : w.memHead+k]) // drop references for the GC
			w.memHead += k
			w.memSeq += uint64(k)
			b.Seq = w.memSeq - 1
			w.out = append(w.out, handout{b.Seq, k})
			w.compactMem()
			w.mu.Unlock()
			return b, nil
		}
		if w.spill {
			if w.rd.seg == nil {
				w.rd.start(w.spillAt.seg, w.spillAt.off, w.spillAt.seq, 0)
			}
			v, released := w.viewLocked(), w.released
			w.mu.Unlock()
			b, err := w.rd.next(max, v, released)
			w.mu.Lock()
			if len(b.Events) > 0 {
				w.out = append(w.out, handout{b.Seq, len(b.Events)})
			}
			if w.rd.caughtUp(w.released) {
				// Nothing is on disk only any more: new events go to memory.
				w.spill = false
				w.rd.close()
			}
			w.mu.Unlock()
			if err != nil {
				return store.Batch{}, err
			}
			if len(b.Events) > 0 {
				return b, nil
			}
			continue
		}
		w.waiting = true
		ch := w.avail
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return store.Batch{}, ctx.Err()
		}
	}
}

// spillPos is where the events kept on disk only begin.
type spillPos struct {
	seg *segment
	off int64
	seq uint64
}

// viewLocked returns what the reader may read: its segment and the later
// ones, each up to its released length. Called with mu held.
func (w *WAL) viewLocked() view {
	var v view
	for _, s := range w.segs {
		if s.first >= w.rd.seg.first {
			v.segs = append(v.segs, s)
			v.sizes = append(v.sizes, s.size)
		}
	}
	return v
}

// compactMem reuses the memory queue's array once the consumer has caught
// up, or slides it down once more than half of it is consumed, so the
// queue's memory follows its depth instead of its history.
func (w *WAL) compactMem() {
	switch {
	case w.memHead == len(w.mem):
		w.mem, w.memHead = w.mem[:0], 0
	case w.memHead > cap(w.mem)/2:
		n := copy(w.mem, w.mem[w.memHead:])
		clear(w.mem[n:])
		w.mem, w.memHead = w.mem[:n], 0
	}
}

// notify wakes a waiting Next. Called with mu held.
func (w *WAL) notify() {
	if w.waiting {
		close(w.avail)
		w.avail = make(chan struct{})
		w.waiting = false
	}
}

// handout is a batch returned by Next and not yet acknowledged.
type handout struct {
	seq uint64
	n   int
}

// Ack marks b, returned by Next, as stored. Batches must be acknowledged
// one by one in the order Next returned them; anything else (a batch
// skipped, acknowledged twice, or altered) is an error and changes nothing.
// Segment files whose events are all acknowledged are deleted, and the
// checkpoint is rewritten at most once a second (and by Close), so a crash
// can redeliver up to a second of acknowledged events.
func (w *WAL) Ack(_ context.Context, b store.Batch) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return store.ErrClosed
	}
	if len(w.out) == 0 || w.out[0] != (handout{b.Seq, len(b.Events)}) {
		want := "none"
		if len(w.out) > 0 {
			want = fmt.Sprintf("seq %d with %d events", w.out[0].seq, w.out[0].n)
		}
		w.mu.Unlock()
		return fmt.Errorf("wal: Ack of batch seq %d with %d events out of order: next to acknowledge is %s", b.Seq, len(b.Events), want)
	}
	w.out = w.out[1:]
	w.acked = b.Seq
	w.depth.Add(-int64(len(b.Events)))
	w.admitted.Add(-int64(len(b.Events)))
	reclaim := w.reclaimable()
	w.mu.Unlock()

	w.removeSegments(reclaim)
	w.checkpoint(b.Seq, false)
	return nil
}

// reclaimable unlinks from segs the segments whose events are all
// acknowledged, never the one being written. Called with mu held.
func (w *WAL) reclaimable() []*segment {
	var done []*segment
	for len(w.segs) > 1 && w.segs[0].last <= w.acked {
		done = append(done, w.segs[0])
		w.segs = w.segs[1:]
	}
	return done
}

func (w *WAL) removeSegments(segs []*segment) {
	for _, s := range segs {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			// Harmless for correctness: replay skips acknowledged events.
			w.log.Warn("cannot delete acknowledged segment", "path", s.path, "err", err)
		}
	}
}

// checkpoint records acked on disk if it is new and the last write is old
// enough (or force).
func (w *WAL) checkpoint(acked uint64, force bool) {
	w.ckMu.Lock()
	defer w.ckMu.Unlock()
	if acked <= w.ckAcked || !force && time.Since(w.ckTime) < w.opts.checkpointEvery {
		return
	}
	if err := writeCheckpoint(w.dir, acked); err != nil {
		w.log.Warn("cannot write checkpoint: acknowledged events may be redelivered after a restart", "err", err)
		return
	}
	w.ckAcked, w.ckTime = acked, time.Now()
}

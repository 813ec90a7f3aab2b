package wal

import (
	"fmt"
	"time"

	"github.com/footfallhq/footfall/store"
)

// maxSyncs is how many fdatasyncs the writer keeps in flight on a
// preallocated segment. Each covers everything written before it started,
// so a group written while an earlier sync runs need not wait for that sync
// before its own begins. In isolation two concurrent syncs completed nearly
// twice as many commits per second as one here; behind the HTTP server on
// two cores, though, one sync at a time won (7.6k vs 6.2–6.9k events/s at
// c=32, p99 17 vs 23 ms): fewer, larger groups leave more CPU for requests.
// Plain (appended) segments use one regardless: there a sync can fail with
// ENOSPC, and with one sync at a time that error reaches its commit.
const maxSyncs = 1

// Under load, a writer that syncs as soon as one request is pending makes
// many small groups, and each fsync costs CPU the HTTP server needs. When
// the previous group was shared (so others are likely on their way) and
// few requests wait, the writer gives them commitDelay to arrive: at c=32
// here that took throughput from 7.6k to 9.2k events/s and p99 from 17 to
// 12 ms. A lone client (groups of one) never waits.
const (
	commitDelay    = 300 * time.Microsecond
	commitDelayMax = 16 // pending requests that make the delay pointless
)

// group is the requests of one write, waiting for a sync that covers it.
type group struct {
	id     uint64
	reqs   []*request
	seq    uint64 // first seq
	next   uint64 // seq after the last
	off    int64  // where its records start in the segment
	end    int64
	events int
}

type syncResult struct {
	id   uint64 // the newest group the sync covers
	err  error
	took time.Duration
}

// run is the writer goroutine. It takes every request queued since its
// last turn, writes them as one group and starts a sync for it; while syncs
// are in flight, new requests pile up for the next group (with a short
// commit delay under load, see commitDelay; none when idle). Groups are
// released (made visible to Next, callers answered) strictly in order, once
// a sync that started after their write has returned.
func (w *WAL) run() {
	defer close(w.writerDone)
	for {
		select {
		case <-w.wake:
		case r := <-w.synced:
			w.syncDone(r)
		}
		if w.inflight >= w.syncLimit() {
			continue
		}
		w.mu.Lock()
		waiting := len(w.pending)
		w.mu.Unlock()
		if w.lastGroup > 1 && waiting > 0 && waiting < commitDelayMax {
			time.Sleep(commitDelay)
		}
		w.mu.Lock()
		reqs := w.pending
		w.pending = nil
		closed := w.closed
		w.mu.Unlock()
		if len(reqs) > 0 {
			w.lastGroup = len(reqs)
			w.write(reqs)
			continue
		}
		// Enqueue adds nothing once closed is set (both under mu): with
		// nothing taken and nothing in flight, everything is answered.
		if closed && w.inflight == 0 {
			return
		}
	}
}

// syncLimit is maxSyncs while the writes stay inside preallocated space,
// where a sync cannot meet ENOSPC, and 1 otherwise.
func (w *WAL) syncLimit() int {
	if w.writeOff <= w.cur.alloc {
		return maxSyncs
	}
	return 1
}

// write appends reqs to the current segment as one group and starts a sync.
func (w *WAL) write(reqs []*request) {
	if w.broken != nil {
		w.reply(reqs, w.broken)
		return
	}
	size := 0
	for _, r := range reqs {
		size += frameHeaderSize + recHeaderSize + len(r.body)
	}
	w.maybeRotate(size)
	if w.writeOff+int64(size) > w.cur.alloc {
		// Appending allocates blocks, and writeback can then fail with
		// ENOSPC: that error must reach this group's sync, not one already
		// in flight for an earlier group, which would see it instead.
		w.waitSyncs()
	}
	if w.broken != nil { // a sync waited for may have failed
		w.reply(reqs, w.broken)
		return
	}

	g := &group{id: w.nextGroup, reqs: reqs, seq: w.nextSeq, off: w.writeOff}
	buf := w.wbuf[:0]
	seq := g.seq
	for _, r := range reqs {
		r.seq = seq
		buf = appendRecord(buf, seq, len(r.events), w.segGroup, r.body)
		seq += uint64(len(r.events))
		g.events += len(r.events)
	}
	if cap(buf) <= 4<<20 {
		w.wbuf = buf // keep a buffer of a typical size, not the largest ever
	}
	g.next, g.end = seq, g.off+int64(len(buf))

	n, err := w.opts.writeAt(w.file, buf, g.off)
	if err == nil && n < len(buf) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(buf))
	}
	if err != nil {
		w.writeFailed(g, err)
		return
	}
	w.nextGroup++
	w.segGroup++
	w.nextSeq, w.writeOff = g.next, g.end
	w.groups = append(w.groups, g)

	w.inflight++
	f := w.file
	go func() {
		start := time.Now()
		err := w.opts.datasync(f)
		w.synced <- syncResult{id: g.id, err: err, took: time.Since(start)}
	}()
}

// syncDone handles a finished sync: on success it releases every group the
// sync covers, in order.
func (w *WAL) syncDone(r syncResult) {
	w.inflight--
	w.mu.Lock()
	w.stats.Fsyncs++
	w.stats.LastFsync = r.took
	w.stats.FsyncTotal += r.took
	w.mu.Unlock()
	if r.err != nil {
		w.syncFailed(r.err)
		return
	}
	n := 0
	for n < len(w.groups) && w.groups[n].id <= r.id {
		n++
	}
	if n == 0 {
		return // a later sync already released these
	}
	done := w.groups[:n]
	w.groups = w.groups[n:]

	events := 0
	for _, g := range done {
		events += g.events
	}
	last := done[len(done)-1]
	w.mu.Lock()
	w.cur.size, w.cur.last = last.end, last.next-1
	w.released = last.next - 1
	if !w.spill && len(w.mem)-w.memHead+events > w.opts.memWindow {
		// The consumer is behind: leave these on disk for it to read back.
		w.spill = true
		w.spillAt = spillPos{seg: w.cur, off: done[0].off, seq: done[0].seq}
	}
	if !w.spill {
		if w.memHead == len(w.mem) {
			w.mem, w.memHead = w.mem[:0], 0
			w.memSeq = done[0].seq
		}
		for _, g := range done {
			for _, r := range g.reqs {
				w.mem = append(w.mem, r.events...)
			}
		}
	}
	w.depth.Add(int64(events))
	w.stats.Events += uint64(events)
	w.notify()
	w.mu.Unlock()
	for _, g := range done {
		w.reply(g.reqs, nil)
	}
}

// waitSyncs waits for every sync in flight, releasing what they cover.
func (w *WAL) waitSyncs() {
	for w.inflight > 0 {
		w.syncDone(<-w.synced)
	}
}

func (w *WAL) reply(reqs []*request, err error) {
	if err != nil {
		n := 0
		for _, r := range reqs {
			n += len(r.events)
		}
		w.admitted.Add(-int64(n))
	}
	for _, r := range reqs {
		r.done <- err
	}
}

// writeFailed cuts a failed write off the end of the segment, so the log
// ends at the last good record exactly as before, and answers its callers.
// A full disk is a normal condition (store.ErrFull, and the next group may
// succeed); any other I/O error, or failing to restore the segment, breaks
// the WAL (see syncFailed).
func (w *WAL) writeFailed(g *group, err error) {
	w.waitSyncs() // the file must be quiet before it is cut
	path := w.cur.path
	terr := w.file.Truncate(g.off)
	if terr == nil {
		terr = w.file.Sync()
	}
	w.mu.Lock()
	w.cur.alloc = 0 // truncated: no longer preallocated
	w.mu.Unlock()
	switch {
	case terr != nil:
		w.setBroken(fmt.Errorf("wal: write %s: %w (and cutting it off failed: %v)", path, err, terr))
		w.reply(g.reqs, w.broken)
	case isNoSpace(err):
		w.lowDisk.Store(true) // until the next free-space check says otherwise
		w.log.Warn("disk full: refusing events", "path", path, "err", err)
		w.reply(g.reqs, fmt.Errorf("wal: write %s: %v: %w", path, err, store.ErrFull))
	default:
		w.setBroken(fmt.Errorf("wal: write %s: %w", path, err))
		w.reply(g.reqs, w.broken)
	}
}

// syncFailed handles a failed fdatasync. On a plain segment, with one sync
// at a time, ENOSPC (delayed allocation on a full disk) is undone like a
// failed write. Anything else breaks the WAL: after a failed sync the
// kernel may have dropped the data and marked it clean, and with syncs in
// flight together the error may have been reported to another sync than
// the one whose data it concerns. Only a reopen, which reads back what is
// really on disk, can be trusted then.
func (w *WAL) syncFailed(err error) {
	if isNoSpace(err) && w.inflight == 0 && len(w.groups) == 1 {
		g := w.groups[0]
		w.groups = nil
		w.nextGroup, w.nextSeq, w.writeOff = g.id, g.seq, g.off
		w.writeFailed(g, err)
		return
	}
	w.setBroken(fmt.Errorf("wal: sync %s: %w", w.cur.path, err))
	w.waitSyncs()
	for _, g := range w.groups {
		w.reply(g.reqs, w.broken)
	}
	w.groups = nil
}

// setBroken makes every later Enqueue fail with err. Writer only.
func (w *WAL) setBroken(err error) {
	if w.broken != nil {
		return
	}
	w.broken = err
	w.log.Error("write-ahead log failed: refusing events until restart", "err", err)
	w.mu.Lock()
	w.failed = err
	w.mu.Unlock()
}

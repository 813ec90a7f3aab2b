package wal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/footfallhq/footfall/store"
)

// recover replays the directory into w before the writer starts: it checks
// every segment, repairs a torn tail, counts what is pending, deletes what
// is fully acknowledged and opens a fresh segment for new events.
func (w *WAL) recover() error {
	for _, name := range []string{checkpointTemp, spareName} {
		if err := os.Remove(filepath.Join(w.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("wal: %w", err)
		}
	}
	ck, err := readCheckpoint(w.dir)
	if err != nil {
		w.log.Warn("ignoring checkpoint: acknowledged events may be delivered again", "err", err)
		ck = 0
	}
	acked := max(ck, w.opts.AckedThrough)

	segs, err := listSegments(w.dir)
	if err != nil {
		return err
	}
	var (
		pending    []*segment // with events not yet acknowledged
		obsolete   []*segment // empty or fully acknowledged
		prev       uint64     // last sequence number seen
		floor      uint64     // highest segment name seen
		depth      int64
		scratch    store.Event
		checkEvent = func(rec record, off int, path string) error {
			// The checksum proved the bytes are as written; decoding them now
			// turns an unreadable format into an Open error, not a stuck Next.
			s := string(rec.events)
			for i := range rec.count {
				n, err := decodeEvent(s, &scratch)
				if err != nil {
					return &corruptError{path: path, off: int64(off), reason: fmt.Sprintf("event %d of record %d: %v", i, rec.first, err)}
				}
				s = s[n:]
			}
			if len(s) != 0 {
				return &corruptError{path: path, off: int64(off), reason: fmt.Sprintf("%d stray bytes after the events of record %d", len(s), rec.first)}
			}
			if l := rec.last(); l > acked {
				depth += int64(min(uint64(rec.count), l-acked))
			}
			return nil
		}
	)
	for i, seg := range segs {
		last := i == len(segs)-1
		floor = max(floor, seg.first)
		if seg.first > 0 {
			prev = max(prev, seg.first-1)
		}
		data, err := os.ReadFile(seg.path)
		if err != nil {
			return fmt.Errorf("wal: %w", err)
		}
		valid, lastSeq, err := scanSegment(seg.path, data, seg.first, prev, func(rec record, off int) error {
			return checkEvent(rec, off, seg.path)
		})
		var ce *corruptError
		switch {
		case err == nil:
		case errors.Is(err, errEmptySegment):
			if len(data) > 0 {
				w.log.Warn("discarding segment with a torn header", "path", seg.path, "bytes", len(data))
			}
			obsolete = append(obsolete, seg)
			continue
		case last && errors.As(err, &ce) && ce.framing && tornTail(data, valid, lastSeq):
			w.log.Warn("truncating torn write at the end of the log",
				"path", seg.path, "offset", valid, "bytes_dropped", len(data)-valid)
			if err := truncateFile(seg.path, int64(valid)); err != nil {
				return err
			}
		default:
			return err
		}
		seg.size = int64(valid)
		if lastSeq > prev {
			seg.last = lastSeq
			prev = lastSeq
		}
		if seg.last == 0 || seg.last <= acked {
			obsolete = append(obsolete, seg)
		} else {
			pending = append(pending, seg)
		}
	}

	w.nextSeq = max(prev+1, floor, acked+1)
	cur, f, err := createSegment(w.dir, w.nextSeq)
	if err != nil {
		return err
	}
	// The new segment's name now guards the sequence numbers, so the old
	// ones may go.
	obsolete = slices.DeleteFunc(obsolete, func(s *segment) bool { return s.path == cur.path })
	w.removeSegments(obsolete)
	w.file, w.cur = f, cur
	w.segs = append(pending, cur)
	w.acked, w.handed = acked, acked
	w.ckAcked = ck
	w.memSeq = w.nextSeq
	w.depth.Store(depth)
	w.admitted.Store(depth)
	if depth > 0 {
		w.backlog = &backlog{segs: slices.Clone(pending), skip: acked}
		w.log.Info("replaying unacknowledged events", "events", depth, "segments", len(pending), "from_seq", acked+1)
	}
	return nil
}

func truncateFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wal: truncate torn tail: %w", err)
	}
	return nil
}

// backlog reads replayed events back from their segments as Next asks for
// them, holding one segment in memory at a time, so a long backlog costs
// disk reads rather than memory.
type backlog struct {
	segs []*segment // not yet fully read, oldest first
	skip uint64     // sequence numbers up to here are acknowledged

	data []byte // contents of segs[0], nil until loaded
	off  int
	prev uint64

	pend    []store.Event // decoded and not yet handed out
	pendSeq uint64        // seq of pend[0]
}

// next returns up to max events; an empty batch means the backlog is done.
// After an error the same events are tried again on the next call.
func (b *backlog) next(max int) (store.Batch, error) {
	var batch store.Batch
	for len(batch.Events) < max {
		if len(b.pend) == 0 {
			more, err := b.fill()
			if err != nil && len(batch.Events) == 0 {
				return store.Batch{}, err
			}
			if err != nil || !more {
				break
			}
		}
		k := min(max-len(batch.Events), len(b.pend))
		batch.Events = append(batch.Events, b.pend[:k]...)
		b.pend = b.pend[k:]
		b.pendSeq += uint64(k)
		batch.Seq = b.pendSeq - 1
	}
	return batch, nil
}

// fill decodes the next record holding unacknowledged events into pend.
func (b *backlog) fill() (bool, error) {
	for len(b.segs) > 0 {
		seg := b.segs[0]
		if b.data == nil {
			data, err := os.ReadFile(seg.path)
			if err != nil {
				return false, fmt.Errorf("wal: replay: %w", err)
			}
			if err := checkSegmentHeader(seg.path, data, seg.first); err != nil {
				return false, fmt.Errorf("wal: replay: %w", err)
			}
			b.data, b.off = data, segHeaderSize
		}
		if b.off >= len(b.data) {
			b.data, b.segs = nil, b.segs[1:]
			continue
		}
		// Open verified these bytes; failing here means the file changed
		// underneath us.
		rec, n, ok := parseRecord(b.data[b.off:], b.prev)
		if !ok {
			return false, &corruptError{path: seg.path, off: int64(b.off), reason: "record changed since Open"}
		}
		if rec.last() <= b.skip {
			b.off, b.prev = b.off+n, rec.last()
			continue
		}
		events := make([]store.Event, rec.count)
		s := string(rec.events)
		for i := range events {
			m, err := decodeEvent(s, &events[i])
			if err != nil {
				return false, &corruptError{path: seg.path, off: int64(b.off), reason: err.Error()}
			}
			s = s[m:]
		}
		b.off, b.prev = b.off+n, rec.last()
		b.pend, b.pendSeq = events, rec.first
		if rec.first <= b.skip {
			drop := b.skip - rec.first + 1
			b.pend, b.pendSeq = events[drop:], b.skip+1
		}
		return true, nil
	}
	return false, nil
}

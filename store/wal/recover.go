package wal

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
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
		scratch    []store.Event
		checkEvent = func(rec record, off int, path string) error {
			if rec.last() <= acked {
				return nil // will not be read again
			}
			// The checksum proved the bytes are as written; decoding them now
			// turns an unreadable format into an Open error, not a stuck Next.
			if err := decodeRecord(rec, 0, &scratch); err != nil {
				return &corruptError{path: path, off: int64(off), reason: err.Error()}
			}
			clear(scratch)
			scratch = scratch[:0]
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
		end, err := scanSegment(seg.path, data, seg.first, prev, func(rec record, off int) error {
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
		case last && errors.As(err, &ce) && ce.framing && tornTail(data, end):
			w.log.Warn("truncating torn write at the end of the log",
				"path", seg.path, "offset", end.valid, "bytes_dropped", len(data)-end.valid)
			if err := truncateFile(seg.path, int64(end.valid)); err != nil {
				return err
			}
		default:
			return err
		}
		seg.size = int64(end.valid)
		if end.seq > prev {
			seg.last = end.seq
			prev = end.seq
		}
		if seg.last == 0 || seg.last <= acked {
			obsolete = append(obsolete, seg)
		} else {
			pending = append(pending, seg)
		}
	}

	if prev == math.MaxUint64 || acked == math.MaxUint64 {
		return errors.New("wal: sequence numbers exhausted")
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
	w.file, w.cur, w.writeOff = f, cur, cur.size
	w.segs = append(pending, cur)
	w.acked = acked
	w.ckAcked = ck
	w.memSeq = w.nextSeq
	w.depth.Store(depth)
	w.admitted.Store(depth)
	w.released = w.nextSeq - 1
	if depth > 0 {
		w.spill = true
		w.rd.start(pending[0], segHeaderSize, pending[0].first, acked)
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

// decodeRecord appends the events of rec after the first skip to dst. On
// error dst is as it was.
func decodeRecord(rec record, skip int, dst *[]store.Event) error {
	s := string(rec.events) // one allocation; the events' strings share it
	start := len(*dst)
	var scratch store.Event
	for i := range rec.count {
		e := &scratch
		if i >= skip {
			*dst = append(*dst, store.Event{})
			e = &(*dst)[len(*dst)-1]
		}
		n, err := decodeEvent(s, e)
		if err != nil {
			clear((*dst)[start:])
			*dst = (*dst)[:start]
			return fmt.Errorf("event %d of record %d: %w", i, rec.first, err)
		}
		s = s[n:]
	}
	if len(s) != 0 {
		clear((*dst)[start:])
		*dst = (*dst)[:start]
		return fmt.Errorf("%d stray bytes after the events of record %d", len(s), rec.first)
	}
	return nil
}

package wal

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/footfallhq/footfall/store"
)

// defaultMemWindow is how many events wait in memory for Next. Events
// released while that many wait are not kept: Next reads them back from the
// segment files once memory has drained, as it reads the backlog after a
// restart. So memory holds about 16,384 × 700 bytes of events at most,
// whatever MaxPending is, and a consumer that keeps up never reads the disk.
const defaultMemWindow = 16 << 10

// readChunk is how much the reader asks of the file at a time.
const readChunk = 1 << 20

// reader reads released records back from the segment files for Next: the
// backlog found at Open and whatever spilled past memWindow since. It
// holds one chunk of one file and the decoded events of one record. It is
// owned by whoever holds nextSem.
type reader struct {
	seg  *segment // being read; nil when idle
	f    *os.File
	off  int64  // of the next record in seg
	prev uint64 // seq of the last event read
	skip uint64 // events up to this seq are acknowledged: drop them

	buf    []byte // bytes of f from bufOff
	bufOff int64

	pend    []store.Event // decoded, not yet handed out
	pendSeq uint64        // seq of pend[0]
}

// view is what the reader may read, taken under mu: the segments from the
// reader's onward with the released length of each.
type view struct {
	segs  []*segment
	sizes []int64
}

// start points an idle reader at the record at off in seg, whose first
// event has sequence number seq (or, after Open, at the first record of
// the backlog, skipping events up to skip).
func (r *reader) start(seg *segment, off int64, seq, skip uint64) {
	r.close()
	r.seg, r.off, r.prev, r.skip = seg, off, seq-1, skip
}

// caughtUp reports whether the reader has handed out everything up to
// released.
func (r *reader) caughtUp(released uint64) bool {
	return len(r.pend) == 0 && r.prev >= released
}

func (r *reader) close() {
	if r.f != nil {
		_ = r.f.Close()
	}
	*r = reader{buf: r.buf[:0]}
}

// next returns up to max events, fewer at the end of what v allows, up to
// released. After an error the same events are tried again on the next
// call.
func (r *reader) next(max int, v view, released uint64) (store.Batch, error) {
	var batch store.Batch
	if released > r.prev {
		batch.Events = make([]store.Event, 0, min(uint64(max), released-r.prev))
	}
	for len(batch.Events) < max {
		if len(r.pend) > 0 {
			k := min(max-len(batch.Events), len(r.pend))
			batch.Events = append(batch.Events, r.pend[:k]...)
			r.pend, r.pendSeq = r.pend[k:], r.pendSeq+uint64(k)
			batch.Seq = r.pendSeq - 1
			continue
		}
		rec, err := r.record(v)
		if err != nil && len(batch.Events) == 0 {
			return store.Batch{}, err
		}
		if err != nil || rec.count == 0 {
			break
		}
		skip := 0
		if rec.first <= r.skip {
			skip = int(min(r.skip-rec.first+1, uint64(rec.count)))
		}
		n := rec.count - skip
		// Decode straight into the batch; only a record that does not fit
		// goes through pend.
		dst := &batch.Events
		if n > max-len(batch.Events) {
			r.pend, dst = make([]store.Event, 0, n), &r.pend
		}
		if err := decodeRecord(rec, skip, dst); err != nil {
			if len(batch.Events) > 0 {
				break // hand these out; the error comes again next call
			}
			return store.Batch{}, &corruptError{path: r.seg.path, off: r.off, reason: err.Error()}
		}
		r.off, r.prev = r.off+int64(rec.size), rec.last()
		if dst == &r.pend {
			r.pendSeq = rec.last() - uint64(n) + 1
		} else if n > 0 {
			batch.Seq = rec.last()
		}
	}
	return batch, nil
}

// record returns the next record within v without consuming it; count is
// 0 when there is none.
func (r *reader) record(v view) (record, error) {
	for i, seg := range v.segs {
		if seg.first < r.seg.first {
			continue
		}
		if seg != r.seg {
			// Finished r.seg (it may since have been deleted): move on.
			r.moveTo(seg)
		}
		if r.off < v.sizes[i] {
			return r.read(v.sizes[i])
		}
	}
	return record{}, nil
}

// moveTo moves the reader to the start of seg, keeping its place in the
// sequence.
func (r *reader) moveTo(seg *segment) {
	if r.f != nil {
		_ = r.f.Close()
	}
	r.f, r.seg, r.off, r.buf, r.bufOff = nil, seg, segHeaderSize, r.buf[:0], 0
}

// read parses the record at r.off, which ends at or before limit.
func (r *reader) read(limit int64) (record, error) {
	if r.f == nil {
		f, err := os.Open(r.seg.path)
		if err != nil {
			return record{}, fmt.Errorf("wal: replay: %w", err)
		}
		r.f, r.buf, r.bufOff = f, r.buf[:0], 0
	}
	hdr, err := r.bytes(r.off, frameHeaderSize, limit)
	if err != nil {
		return record{}, err
	}
	n := int64(binary.LittleEndian.Uint32(hdr))
	if n > maxRecordBody {
		return record{}, r.changed()
	}
	b, err := r.bytes(r.off, frameHeaderSize+n, limit)
	if err != nil {
		return record{}, err
	}
	rec, size, ok := parseRecord(b, r.prev)
	if !ok || int64(size) != frameHeaderSize+n {
		return record{}, r.changed()
	}
	rec.size = size
	return rec, nil
}

// bytes returns n bytes of the file at off, reading a chunk if the buffer
// does not hold them. It refuses to read past limit.
func (r *reader) bytes(off, n, limit int64) ([]byte, error) {
	if off+n > limit {
		return nil, r.changed()
	}
	if off < r.bufOff || off+n > r.bufOff+int64(len(r.buf)) {
		want := min(max(n, readChunk), limit-off)
		if int64(cap(r.buf)) < want {
			r.buf = make([]byte, want)
		}
		got, err := r.f.ReadAt(r.buf[:want], off)
		if err != nil && err != io.EOF {
			r.buf = r.buf[:0]
			return nil, fmt.Errorf("wal: replay %s: %w", r.seg.path, err)
		}
		r.buf, r.bufOff = r.buf[:got], off
		if int64(got) < n {
			return nil, r.changed() // shorter than what was released
		}
	}
	return r.buf[off-r.bufOff : off-r.bufOff+n], nil
}

// changed reports a record that Open (or the writer) found intact and is
// not any more: the file was modified underneath the WAL.
func (r *reader) changed() error {
	return &corruptError{path: r.seg.path, off: r.off, reason: "record changed since it was written"}
}

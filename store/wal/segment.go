package wal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Segment file layout (all integers little endian):
//
//	header  "FFWAL\x00", format byte (2), one zero byte, first seq (8 bytes)
//	records, each:
//	  length   4 bytes: length of body
//	  crc      4 bytes: CRC-32C (Castagnoli) of body
//	  body     first seq (8 bytes), event count (4 bytes), group (4 bytes),
//	           that many events encoded by appendEvent; event i has
//	           sequence number first+i
//	zeros to the end of the file, if it was preallocated
//
// One record holds the events of one Enqueue call, so a record is all or
// nothing, like the call. Sequence numbers grow strictly from record to
// record and from segment to segment; the file name carries the first
// sequence number the segment was opened for. group numbers the writes
// (group commits) within the segment from 0; replay uses it to tell a torn
// write from damage to acknowledged records (see tornTail).
const (
	segMagic        = "FFWAL\x00"
	segFormat       = 2 // 1 was a development version without the group field
	segHeaderSize   = 16
	frameHeaderSize = 8
	recHeaderSize   = 16 // inside the body: first seq, count, group
	// maxRecordBody bounds one Enqueue call on disk, and lets the reader
	// reject a corrupt length before allocating anything for it.
	maxRecordBody = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segment describes one segment file. first is the sequence number in its
// name; last is the sequence number of its last event, 0 while it has none.
// size is the end of the last record; alloc is the length the file was
// preallocated to, 0 if it was not.
type segment struct {
	path  string
	first uint64
	last  uint64
	size  int64
	alloc int64
}

func segmentName(seq uint64) string { return fmt.Sprintf("wal-%020d.log", seq) }

func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutPrefix(name, "wal-")
	if !ok {
		return 0, false
	}
	digits, ok = strings.CutSuffix(digits, ".log")
	if !ok || len(digits) != 20 {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

func appendSegmentHeader(dst []byte, first uint64) []byte {
	dst = append(dst, segMagic...)
	dst = append(dst, segFormat, 0)
	return binary.LittleEndian.AppendUint64(dst, first)
}

// appendRecord frames the already encoded events of one Enqueue call.
func appendRecord(dst []byte, first uint64, count int, group uint32, events []byte) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, frameHeaderSize)...)
	dst = binary.LittleEndian.AppendUint64(dst, first)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(count))
	dst = binary.LittleEndian.AppendUint32(dst, group)
	dst = append(dst, events...)
	body := dst[start+frameHeaderSize:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(body, castagnoli))
	return dst
}

// record is one record as found in a segment; events aliases the segment
// bytes.
type record struct {
	first  uint64
	count  int
	group  uint32
	events []byte
	size   int // of the whole record on disk, frame included
}

func (r record) last() uint64 { return r.first + uint64(r.count) - 1 }

// parseRecord reads the record at the start of b. A record must carry a
// sequence number above prev. ok is false for anything that is not a
// complete, intact record.
func parseRecord(b []byte, prev uint64) (rec record, size int, ok bool) {
	if len(b) < frameHeaderSize+recHeaderSize {
		return record{}, 0, false
	}
	n := binary.LittleEndian.Uint32(b)
	if n < recHeaderSize || n > maxRecordBody || int64(n) > int64(len(b)-frameHeaderSize) {
		return record{}, 0, false
	}
	body := b[frameHeaderSize : frameHeaderSize+int(n)]
	first := binary.LittleEndian.Uint64(body)
	count := binary.LittleEndian.Uint32(body[8:])
	// Cheap checks before the checksum, so that searching for a record at
	// every offset (see findRecord) costs little.
	if first <= prev || count == 0 || first+uint64(count)-1 < first || uint64(count) > uint64(n) {
		return record{}, 0, false
	}
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return record{}, 0, false
	}
	rec = record{first: first, count: int(count), group: binary.LittleEndian.Uint32(body[12:]), events: body[recHeaderSize:]}
	return rec, frameHeaderSize + int(n), true
}

// corruptError reports a bad record at a byte offset of a segment file.
type corruptError struct {
	path    string
	off     int64
	reason  string
	framing bool // the header or a record frame is bad, not a checksummed body: maybe a torn write
}

func (e *corruptError) Error() string {
	return fmt.Sprintf("wal: corrupt segment %s at offset %d: %s", e.path, e.off, e.reason)
}

// errEmptySegment marks a segment cut short inside its header, or all
// zeros: created, then a crash before anything was acknowledged in it.
var errEmptySegment = errors.New("segment without a complete header")

// checkSegmentHeader returns errEmptySegment for a header cut short (or
// all zeros), a *corruptError for a wrong one. The header is fsynced before
// any record is written, so a bad header followed by no intact record is a
// segment that a crash interrupted while it was being created.
func checkSegmentHeader(path string, data []byte, nameSeq uint64) error {
	if len(data) < segHeaderSize || allZero(data) {
		return errEmptySegment
	}
	if string(data[:len(segMagic)]) != segMagic || data[len(segMagic)] != segFormat {
		return &corruptError{path: path, reason: fmt.Sprintf("not a footfall WAL segment of format %d", segFormat), framing: true}
	}
	if h := binary.LittleEndian.Uint64(data[8:]); h != nameSeq {
		return &corruptError{path: path, off: 8, reason: fmt.Sprintf("header says first seq %d, file name %d", h, nameSeq), framing: true}
	}
	return nil
}

// scanEnd is where scanSegment stopped: the length of the intact prefix and
// its last record's sequence number (the prev given if none) and group (-1
// if none).
type scanEnd struct {
	valid int
	seq   uint64
	group int64
}

// scanSegment walks the records of a segment file's contents, calling fn
// for each with its offset. Records must carry sequence numbers above prev.
// Zeros after the last record are preallocated space, not damage. err is
// errEmptySegment for a short header, a *corruptError with framing set for
// the first bad record, or fn's error.
func scanSegment(path string, data []byte, nameSeq, prev uint64, fn func(rec record, off int) error) (scanEnd, error) {
	end := scanEnd{seq: prev, group: -1}
	if err := checkSegmentHeader(path, data, nameSeq); err != nil {
		return end, err
	}
	end.valid = segHeaderSize
	for end.valid < len(data) {
		rec, n, ok := parseRecord(data[end.valid:], end.seq)
		if !ok {
			if allZero(data[end.valid:]) {
				break // the unused, preallocated rest of the segment
			}
			return end, &corruptError{path: path, off: int64(end.valid), reason: "bad record", framing: true}
		}
		if err := fn(rec, end.valid); err != nil {
			return end, err
		}
		end.seq, end.group = rec.last(), int64(rec.group)
		end.valid += n
	}
	return end, nil
}

// tornTail reports whether the bad bytes at end.valid in the newest segment
// can be the remains of writes that a crash interrupted, rather than damage
// to acknowledged records. Only data not yet synced can be lost in a crash,
// and the writer never has more than maxSyncs groups unsynced, all of them
// the newest. A crash may leave holes anywhere in those (the disk writes
// blocks in any order), so intact records may follow the bad spot; but if
// one of them belongs to a later group than those, the bad record was
// synced, and acknowledged, before it: that is damage, not a torn write.
// Damage within the newest groups cannot be told from a torn write and is
// cut off like one.
func tornTail(data []byte, end scanEnd) bool {
	// The bad record's own group is the last good one's or the next.
	newest := end.group + maxSyncs
	if end.group < 0 {
		newest = maxSyncs - 1
	}
	for off := end.valid + 1; ; {
		off = findRecord(data, off, end.seq)
		if off < 0 {
			return true
		}
		rec, n, _ := parseRecord(data[off:], end.seq)
		if int64(rec.group) > newest {
			return false
		}
		off += n
	}
}

// findRecord returns the offset of the first intact record at or after
// from, or -1.
func findRecord(data []byte, from int, prev uint64) int {
	for i := from; i+frameHeaderSize+recHeaderSize <= len(data); i++ {
		if _, _, ok := parseRecord(data[i:], prev); ok {
			return i
		}
	}
	return -1
}

func allZero(b []byte) bool {
	return len(bytes.Trim(b, "\x00")) == 0
}

// listSegments returns the segments in dir, oldest first, with only path
// and first set.
func listSegments(dir string) ([]*segment, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	var segs []*segment
	for _, e := range entries {
		if seq, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			segs = append(segs, &segment{path: filepath.Join(dir, e.Name()), first: seq})
		}
	}
	// ReadDir sorts by name and names are zero-padded: already in order.
	return segs, nil
}

// createSegment creates a segment whose first event will be seq, with its
// header and directory entry on disk before it is used, so a record
// acknowledged in it cannot vanish with the file.
func createSegment(dir string, seq uint64) (*segment, *os.File, error) {
	path := filepath.Join(dir, segmentName(seq))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o640)
	if err != nil {
		return nil, nil, fmt.Errorf("wal: create segment: %w", err)
	}
	hdr := appendSegmentHeader(nil, seq)
	if _, err = f.Write(hdr); err == nil {
		if err = f.Sync(); err == nil {
			err = syncDir(dir)
		}
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, nil, fmt.Errorf("wal: create segment %s: %w", path, err)
	}
	return &segment{path: path, first: seq, size: int64(len(hdr))}, f, nil
}

// spareName is the segment prepared ahead of need; it becomes a segment by
// rename, so it never holds records under this name.
const spareName = "wal-spare.tmp"

// prepareSpare creates the next segment file ahead of need, written with
// zeros to its full size and fsynced. Records then overwrite allocated
// blocks without changing the file's size, so fdatasync flushes the data
// alone instead of also committing the file system's journal: on this
// project's disk that cut the commit latency by half or more
// (BenchmarkEnqueue reports µs/fsync).
func prepareSpare(dir string, size int64, pace time.Duration) (*os.File, error) {
	path := filepath.Join(dir, spareName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("wal: prepare segment: %w", err)
	}
	// In slices, each synced before the next, with a pause between: one
	// 16 MiB flush would queue ahead of the commits' syncs on the same
	// disk and stall Enqueue for tens of milliseconds.
	zeros := make([]byte, 1<<20)
	for off := int64(0); off < size && err == nil; off += int64(len(zeros)) {
		if _, err = f.WriteAt(zeros[:min(int64(len(zeros)), size-off)], off); err == nil {
			err = f.Sync()
		}
		time.Sleep(pace)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("wal: prepare segment: %w", err)
	}
	return f, nil
}

// useSpare turns the prepared file f into the segment whose first event
// will be seq. The rename is made durable before any record goes in; the
// header is written now and made durable by the first commit, and a crash
// before that leaves a segment of zeros, which replay discards as empty.
// On error f is closed and removed.
func useSpare(dir string, f *os.File, seq uint64) (*segment, error) {
	path := filepath.Join(dir, spareName)
	fi, err := f.Stat()
	if err == nil {
		err = os.Rename(path, filepath.Join(dir, segmentName(seq)))
		if err == nil {
			path = filepath.Join(dir, segmentName(seq))
			err = syncDir(dir)
		}
	}
	hdr := appendSegmentHeader(nil, seq)
	if err == nil {
		_, err = f.WriteAt(hdr, 0)
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("wal: use prepared segment: %w", err)
	}
	return &segment{path: path, first: seq, size: int64(len(hdr)), alloc: fi.Size()}, nil
}

// syncDir makes creations, renames and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

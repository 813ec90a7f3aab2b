package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/footfallhq/footfall/store"
)

// eventFormat is the leading byte of every encoded event. A decoder that
// meets another value refuses the event rather than guess: a WAL written by
// a newer binary must not be misread by an older one.
const eventFormat byte = 2

// The numeric tail of an event is mostly zeros (no revenue, no vitals on a
// pageview), so it is written as a presence mask followed by the non-zero
// fields only. The bit order is part of the on-disk format: bits 0-2 are
// below, bit 3+i is the i-th field of u32Fields.
const (
	hasRevenueAmount = 1 << 0
	hasScrollDepth   = 1 << 1
	hasCLS           = 1 << 2
	firstU32Bit      = 3
	numU32Fields     = 12
	// hasZeroTimings follows the uint32 fields: a byte of
	// store.Event.ZeroTimings comes last.
	hasZeroTimings = 1 << (firstU32Bit + numU32Fields)
	knownFields    = hasZeroTimings<<1 - 1
)

// u32Fields lists the uint32 measurements in their on-disk order.
func u32Fields(e *store.Event) [numU32Fields]*uint32 {
	return [...]*uint32{&e.EngagementMS, &e.LCPms, &e.INPms, &e.FCPms, &e.TTFBms,
		&e.DNSms, &e.ConnectMS, &e.TLSms, &e.ResponseMS, &e.DOMms, &e.LoadMS, &e.TransferBytes}
}

// stringFields lists the string fields in their on-disk order.
func stringFields(e *store.Event) [22]*string {
	return [...]*string{
		&e.Name, &e.Hostname, &e.Pathname,
		&e.EntryPage, &e.Referrer, &e.Source, &e.Channel,
		&e.UTMSource, &e.UTMMedium, &e.UTMCampaign, &e.UTMContent, &e.UTMTerm,
		&e.Country, &e.Region, &e.City,
		&e.Browser, &e.BrowserVersion, &e.OS, &e.OSVersion, &e.Device, &e.Screen,
		&e.RevenueCurrency,
	}
}

var errShort = errors.New("truncated event")

// appendEvent appends the format-2 encoding of e to dst:
//
//	format byte (2)
//	timestamp   zigzag varint, Unix milliseconds
//	site id     zigzag varint
//	visitor id  uvarint (a day number above a 32-bit hash: 7 bytes)
//	session id  uvarint (dense, from reserved blocks: small)
//	22 strings  uvarint length + bytes, in struct order (Name … Screen)
//	props       uvarint count + that many (key, value) strings
//	mask        uvarint, one bit per numeric field below that is non-zero
//	fields      the non-zero ones in bit order: floats as IEEE bits little
//	            endian (8 or 4 bytes), ScrollDepth one byte, the rest uvarints,
//	            then ZeroTimings as one byte if its bit is set
//
// Timestamps keep millisecond precision and come back in UTC, as the
// store.Event contract states.
func appendEvent(dst []byte, e *store.Event) []byte {
	dst = append(dst, eventFormat)
	dst = binary.AppendVarint(dst, e.Timestamp.UnixMilli())
	dst = binary.AppendVarint(dst, e.SiteID)
	dst = binary.AppendUvarint(dst, e.VisitorID)
	dst = binary.AppendUvarint(dst, e.SessionID)
	for _, p := range stringFields(e) {
		dst = appendString(dst, *p)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Props)))
	for k, v := range e.Props {
		dst = appendString(dst, k)
		dst = appendString(dst, v)
	}

	var mask uint64
	rev := math.Float64bits(e.RevenueAmount)
	cls := math.Float32bits(e.CLS)
	u32 := u32Fields(e)
	if rev != 0 {
		mask |= hasRevenueAmount
	}
	if e.ScrollDepth != 0 {
		mask |= hasScrollDepth
	}
	if cls != 0 || e.HasCLS {
		mask |= hasCLS
	}
	for i, p := range u32 {
		if *p != 0 {
			mask |= 1 << (firstU32Bit + i)
		}
	}
	if e.ZeroTimings != 0 {
		mask |= hasZeroTimings
	}
	dst = binary.AppendUvarint(dst, mask)
	if mask&hasRevenueAmount != 0 {
		dst = binary.LittleEndian.AppendUint64(dst, rev)
	}
	if mask&hasScrollDepth != 0 {
		dst = append(dst, byte(e.ScrollDepth))
	}
	if mask&hasCLS != 0 {
		dst = binary.LittleEndian.AppendUint32(dst, cls)
	}
	for _, p := range u32 {
		if *p != 0 {
			dst = binary.AppendUvarint(dst, uint64(*p))
		}
	}
	if mask&hasZeroTimings != 0 {
		dst = append(dst, e.ZeroTimings)
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodeEvent decodes one event from the start of src into e and returns
// the number of bytes it used. src is a string so that every string field
// of the event is a substring of it: one allocation per record instead of
// one per field. It never panics on malformed input.
func decodeEvent(src string, e *store.Event) (int, error) {
	d := decoder{s: src}
	if f := d.byte(); d.err == nil && f != eventFormat {
		return 0, fmt.Errorf("unknown event format %d", f)
	}
	*e = store.Event{
		Timestamp: time.UnixMilli(d.varint()).UTC(),
		SiteID:    d.varint(),
		VisitorID: d.uvarint(),
		SessionID: d.uvarint(),
	}
	for _, p := range stringFields(e) {
		*p = d.string()
	}
	if n := d.uvarint(); n > 0 && d.err == nil {
		// Each pair takes at least two bytes: bound the map by the input so
		// a corrupt count cannot demand a huge allocation.
		if n > uint64(len(d.s)-d.i)/2 {
			return 0, errShort
		}
		e.Props = make(map[string]string, n)
		for range n {
			k := d.string()
			e.Props[k] = d.string()
		}
	}
	mask := d.uvarint()
	if mask&^knownFields != 0 {
		return 0, fmt.Errorf("unknown event fields %#x", mask&^knownFields)
	}
	if mask&hasRevenueAmount != 0 {
		e.RevenueAmount = math.Float64frombits(d.uint64())
	}
	if mask&hasScrollDepth != 0 {
		e.ScrollDepth = int8(d.byte())
	}
	if mask&hasCLS != 0 {
		e.CLS = math.Float32frombits(d.uint32())
		e.HasCLS = true
	}
	for i, p := range u32Fields(e) {
		if mask&(1<<(firstU32Bit+i)) != 0 {
			v := d.uvarint()
			if v > math.MaxUint32 {
				return 0, errors.New("event field overflows uint32")
			}
			*p = uint32(v)
		}
	}
	if mask&hasZeroTimings != 0 {
		e.ZeroTimings = d.byte()
	}
	if d.err != nil {
		return 0, d.err
	}
	return d.i, nil
}

// decoder reads from a string and remembers the first error, so the decode
// above reads straight through and checks once.
type decoder struct {
	s   string
	i   int
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShort
	}
	d.i = len(d.s)
}

func (d *decoder) byte() byte {
	if d.i >= len(d.s) {
		d.fail()
		return 0
	}
	d.i++
	return d.s[d.i-1]
}

func (d *decoder) uvarint() uint64 {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.i >= len(d.s) {
			d.fail()
			return 0
		}
		b := d.s[d.i]
		d.i++
		if b < 0x80 {
			if shift == 63 && b > 1 {
				break // overflow
			}
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
	}
	if d.err == nil {
		d.err = errors.New("varint overflows 64 bits")
	}
	d.i = len(d.s)
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) uint64() uint64 {
	if len(d.s)-d.i < 8 {
		d.fail()
		return 0
	}
	s := d.s[d.i : d.i+8]
	d.i += 8
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func (d *decoder) uint32() uint32 {
	if len(d.s)-d.i < 4 {
		d.fail()
		return 0
	}
	s := d.s[d.i : d.i+4]
	d.i += 4
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.fail()
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

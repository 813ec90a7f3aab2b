package visitor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/footfallhq/footfall/store"
)

// IdleTimeout ends a session after this long without events.
const IdleTimeout = 30 * time.Minute

// entry is what a session remembers of its first event: the session-level
// attributes stamped on every later event.
type entry struct {
	page, referrer, source, channel                        string
	utmSource, utmMedium, utmCampaign, utmContent, utmTerm string
	country, region, city                                  string
	browser, browserVersion, os, osVersion, device, screen string
}

// session is one open visit. It is kept small because the table holds
// every visitor of the last half hour: the entry attributes are one
// encoded string (entry.encode) rather than eighteen string headers that
// would also keep alive the request buffers they point into
// (TestSessionMemory: 243 B per open session instead of 546 B).
type session struct {
	id       uint64
	visitor  uint64
	lastSeen int64  // Unix nanoseconds
	entry    string // entry.encode of the visit's first event
}

type key struct {
	site    int64
	visitor uint64
}

const shards = 64

// Sessions assigns events to sessions in process memory. Sessions are not
// persisted: after a restart a visitor active at that moment starts a new
// session, which is the same trade-off a visitor crossing a salt rotation
// without the previous salt would see.
type Sessions struct {
	shared store.VisitTable // nil: this process alone
	onErr  func(error)
	ids    *idBlocks
	seed   maphash.Seed
	shards [shards]struct {
		sync.Mutex
		m map[key]session
	}
}

// NewSessions returns an empty session table whose session ids come from
// ids (nil: random ids, for tests).
func NewSessions(ids IDSource) *Sessions {
	s := &Sessions{seed: maphash.MakeSeed(), ids: &idBlocks{src: ids}}
	for i := range s.shards {
		s.shards[i].m = make(map[key]session)
	}
	return s
}

// Share makes s keep visits in t, which replicas share, instead of in
// process memory. When t fails, s falls back to its own memory (the visit
// may then split in two, which beats refusing the event) and reports the
// error to onErr.
func (s *Sessions) Share(t store.VisitTable, onErr func(error)) {
	s.shared, s.onErr = t, onErr
}

func (s *Sessions) shard(k key) int {
	return int(maphash.Comparable(s.seed, k) % shards)
}

// Assign puts ev into the visitor's open session, or opens one. current and
// previous are the visitor's ids under today's and yesterday's salt (see
// Salts.IDs): a session opened before midnight continues under the old id.
// It sets ev.VisitorID, ev.SessionID and the session-level attributes. When
// no session is open and open is false (engagement events, which only
// extend a visit), Assign leaves ev alone and returns false.
func (s *Sessions) Assign(ctx context.Context, ev *store.Event, current, previous uint64, open bool) bool {
	if s.shared != nil {
		ok, err := s.assignShared(ctx, ev, current, previous, open)
		if err == nil {
			return ok
		}
		if s.onErr != nil {
			s.onErr(err)
		}
	}
	now := ev.Timestamp.UnixNano()
	for _, id := range [2]uint64{current, previous} {
		if id == 0 {
			continue
		}
		k := key{ev.SiteID, id}
		sh := &s.shards[s.shard(k)]
		sh.Lock()
		if ses, ok := sh.m[k]; ok && now-ses.lastSeen < int64(IdleTimeout) {
			if now > ses.lastSeen {
				ses.lastSeen = now
				sh.m[k] = ses
			}
			ev.VisitorID, ev.SessionID = ses.visitor, ses.id
			stampEncoded(ses.entry, ev)
			sh.Unlock()
			return true
		}
		sh.Unlock()
	}
	if !open {
		return false
	}
	// The id is taken before the lock: taking one may reserve a new block
	// in the app database. An id left unused when another session won is
	// harmless.
	id := s.ids.next()
	k := key{ev.SiteID, current}
	sh := &s.shards[s.shard(k)]
	sh.Lock()
	defer sh.Unlock()
	// Two first events of a visit can arrive together (a pageview and a
	// queued custom event): the one that comes second here joins the
	// session the first one opened instead of opening another.
	ses, ok := sh.m[k]
	if !ok || now-ses.lastSeen >= int64(IdleTimeout) {
		ses = session{id: id, visitor: current, lastSeen: now, entry: string(entryOf(ev).encode())}
		sh.m[k] = ses
	} else if now > ses.lastSeen {
		ses.lastSeen = now
		sh.m[k] = ses
	}
	ev.VisitorID, ev.SessionID = ses.visitor, ses.id
	stampEncoded(ses.entry, ev)
	return true
}

// assignShared is Assign on the shared table: one round trip for an event
// of a visit in progress, two for a visit's first event, which needs a new
// id (taken only then, so ids stay dense).
func (s *Sessions) assignShared(ctx context.Context, ev *store.Event, current, previous uint64, open bool) (bool, error) {
	ids := [2]uint64{current, previous}
	v, ok, err := s.shared.Join(ctx, ev.SiteID, ids, ev.Timestamp, IdleTimeout, store.Visit{})
	if err != nil {
		return false, err
	}
	if !ok {
		if !open {
			return false, nil
		}
		fresh := store.Visit{ID: s.ids.next(), Visitor: current, Entry: entryOf(ev).encode()}
		if v, _, err = s.shared.Join(ctx, ev.SiteID, ids, ev.Timestamp, IdleTimeout, fresh); err != nil {
			return false, err
		}
	}
	if _, err := decodeEntry(v.Entry); err != nil {
		return false, fmt.Errorf("visitor: visit %d: %w", v.ID, err)
	}
	ev.VisitorID, ev.SessionID = v.Visitor, v.ID
	stampEncoded(string(v.Entry), ev)
	return true, nil
}

// Sweep forgets sessions idle since before now − IdleTimeout and returns
// how many remain, so memory follows the number of active visitors.
func (s *Sessions) Sweep(now time.Time) int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.Lock()
		for k, ses := range sh.m {
			if now.UnixNano()-ses.lastSeen >= int64(IdleTimeout) {
				delete(sh.m, k)
			}
		}
		n += len(sh.m)
		sh.Unlock()
	}
	return n
}

// IDSource hands out blocks of ids that are never reused (store.App).
type IDSource interface {
	ReserveIDs(ctx context.Context, counter string, n int64) (first int64, err error)
}

// idBlockSize ids are reserved at a time: one app-database write per
// that many sessions, and a restart wastes at most one block.
const idBlockSize = 4096

// idBlocks gives sessions small consecutive ids. Sessions that start close
// in time sit close together in the time-sorted events table, so their ids
// differ little and compress to a byte or two; random 64-bit ids cost 8
// bytes per event.
type idBlocks struct {
	src         IDSource
	mu          sync.Mutex
	nextID, end uint64
}

func (b *idBlocks) next() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.nextID == b.end && b.src != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		first, err := b.src.ReserveIDs(ctx, "session_id", idBlockSize)
		cancel()
		if err == nil {
			b.nextID, b.end = uint64(first), uint64(first)+idBlockSize
		}
	}
	if b.nextID == b.end {
		// No block (tests, or the app database is down): a random id in
		// the upper half, which reserved ids never reach, stays unique.
		return rand.Uint64() | 1<<63
	}
	id := b.nextID
	b.nextID++
	return id
}

func entryOf(ev *store.Event) entry {
	return entry{
		page: ev.Pathname, referrer: ev.Referrer, source: ev.Source, channel: ev.Channel,
		utmSource: ev.UTMSource, utmMedium: ev.UTMMedium, utmCampaign: ev.UTMCampaign,
		utmContent: ev.UTMContent, utmTerm: ev.UTMTerm,
		country: ev.Country, region: ev.Region, city: ev.City,
		browser: ev.Browser, browserVersion: ev.BrowserVersion, os: ev.OS, osVersion: ev.OSVersion,
		device: ev.Device, screen: ev.Screen,
	}
}

// fields lists the entry's strings in a fixed order, for encoding.
func (e *entry) fields() [18]*string {
	return [18]*string{
		&e.page, &e.referrer, &e.source, &e.channel,
		&e.utmSource, &e.utmMedium, &e.utmCampaign, &e.utmContent, &e.utmTerm,
		&e.country, &e.region, &e.city,
		&e.browser, &e.browserVersion, &e.os, &e.osVersion, &e.device, &e.screen,
	}
}

// encode writes the entry for the shared table: each field as a uvarint
// length and its bytes. New fields go at the end; decodeEntry leaves
// fields missing from an older encoding empty.
func (e entry) encode() []byte {
	var b []byte
	for _, f := range e.fields() {
		b = binary.AppendUvarint(b, uint64(len(*f)))
		b = append(b, *f...)
	}
	return b
}

func decodeEntry(b []byte) (entry, error) {
	var e entry
	for _, f := range e.fields() {
		if len(b) == 0 {
			break
		}
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return entry{}, errors.New("corrupt visit entry")
		}
		*f = string(b[w : w+int(n)])
		b = b[w+int(n):]
	}
	return e, nil
}

// stampEncoded sets ev's session attributes from an entry's encoding, in
// entry.fields order. The strings are slices of enc, so stamping allocates
// nothing. enc was checked when it was made (entryOf, decodeEntry); fields
// an older encoding lacks are left empty.
func stampEncoded(enc string, ev *store.Event) {
	for _, f := range [18]*string{
		&ev.EntryPage, &ev.Referrer, &ev.Source, &ev.Channel,
		&ev.UTMSource, &ev.UTMMedium, &ev.UTMCampaign, &ev.UTMContent, &ev.UTMTerm,
		&ev.Country, &ev.Region, &ev.City,
		&ev.Browser, &ev.BrowserVersion, &ev.OS, &ev.OSVersion, &ev.Device, &ev.Screen,
	} {
		n, w := stringUvarint(enc)
		if w <= 0 || n > uint64(len(enc)-w) {
			*f, enc = "", ""
			continue
		}
		*f, enc = enc[w:w+int(n)], enc[w+int(n):]
	}
}

// stringUvarint is binary.Uvarint on a string, which would otherwise have
// to be copied into a []byte.
func stringUvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(b)<<shift, i + 1
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

// Package visitor turns a request's IP and User-Agent into an anonymous
// visitor id, and assigns events to sessions, without cookies and without
// keeping the IP. The id is a keyed hash under a random salt that changes
// every UTC day, so the same person is a new visitor tomorrow and nobody
// (not even the operator) can link days or recover the IP.
package visitor

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"net/netip"
	"sync"
	"time"

	"github.com/footfallhq/footfall/store"
)

// SaltStore is the part of the app store the salts need.
type SaltStore interface {
	PutSalt(ctx context.Context, s store.Salt) (store.Salt, error)
	Salts(ctx context.Context) ([]store.Salt, error)
	DeleteSaltsBefore(ctx context.Context, day string) error
}

// Salts holds today's salt and yesterday's (kept only so that a session
// crossing midnight continues; deleted after 48 hours).
type Salts struct {
	db SaltStore

	mu       sync.RWMutex
	current  *keyed
	previous *keyed // nil when none
}

// keyed is one salt ready for hashing: its day number and a pool of HMAC
// states keyed with it, so the hot path neither re-parses the day nor
// re-derives the HMAC key pads per request.
type keyed struct {
	day  uint64
	macs sync.Pool // of hash.Hash
}

func newKeyed(salt store.Salt) *keyed {
	k := &keyed{day: dayNumber(salt.Day)}
	k.macs.New = func() any { return hmac.New(sha256.New, salt.Value) }
	return k
}

func (k *keyed) sum(siteID int64, ip netip.Addr, userAgent string) uint64 {
	mac := k.macs.Get().(hash.Hash)
	id := sum(mac, k.day, siteID, ip, userAgent)
	k.macs.Put(mac)
	return id
}

// NewSalts returns salts backed by db; call Rotate before use.
func NewSalts(db SaltStore) *Salts { return &Salts{db: db} }

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Rotate makes sure a salt exists for now's UTC day (creating it if
// needed, agreeing with concurrent replicas through the store), loads it
// and the previous day's, and deletes older ones. It runs at start and
// from the daily job.
func (s *Salts) Rotate(ctx context.Context, now time.Time) error {
	today := day(now)
	v := make([]byte, 32)
	if _, err := rand.Read(v); err != nil {
		return fmt.Errorf("salts: random: %w", err)
	}
	cur, err := s.db.PutSalt(ctx, store.Salt{Day: today, Value: v, CreatedAt: now.UTC()})
	if err != nil {
		return fmt.Errorf("salts: put %s: %w", today, err)
	}
	yesterday := day(now.AddDate(0, 0, -1))
	if err := s.db.DeleteSaltsBefore(ctx, yesterday); err != nil {
		return fmt.Errorf("salts: delete before %s: %w", yesterday, err)
	}
	all, err := s.db.Salts(ctx)
	if err != nil {
		return fmt.Errorf("salts: list: %w", err)
	}
	var prev store.Salt
	for _, salt := range all {
		if salt.Day == yesterday {
			prev = salt
		}
	}
	s.mu.Lock()
	s.current, s.previous = newKeyed(cur), nil
	if prev.Day != "" {
		s.previous = newKeyed(prev)
	}
	s.mu.Unlock()
	return nil
}

// IDs returns the visitor id under today's salt and, when yesterday's salt
// is still kept, under yesterday's (else 0).
func (s *Salts) IDs(siteID int64, ip netip.Addr, userAgent string) (current, previous uint64) {
	s.mu.RLock()
	cur, prev := s.current, s.previous
	s.mu.RUnlock()
	if cur == nil {
		panic("visitor: Salts used before Rotate")
	}
	current = cur.sum(siteID, ip, userAgent)
	if prev != nil {
		previous = prev.sum(siteID, ip, userAgent)
	}
	return current, previous
}

// dayNumber counts days since 1970-01-01 for a YYYY-MM-DD salt day.
func dayNumber(day string) uint64 {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0
	}
	return uint64(t.Unix() / 86400)
}

// sum hashes the inputs under the salt already keyed into mac. The id is
// the salt's day number in the upper 32 bits and 32 bits of the hash below:
// ids of different days never collide (each day has its own salt anyway),
// within a day two of 100,000 visitors share an id about once in 800 days,
// and 32 random bits store in half the space of 64 in the events table.
// Far too few bits, too, to be worth brute-forcing back to an IP.
func sum(mac hash.Hash, day uint64, siteID int64, ip netip.Addr, userAgent string) uint64 {
	mac.Reset()
	var buf [8 + 16 + 1]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(siteID))
	a := ip.As16()
	copy(buf[8:24], a[:])
	mac.Write(buf[:24])
	mac.Write([]byte(userAgent))
	var out [sha256.Size]byte
	return day<<32 | uint64(binary.BigEndian.Uint32(mac.Sum(out[:0])))
}

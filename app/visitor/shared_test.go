package visitor

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/redis"
	"github.com/footfallhq/footfall/store/redis/redistest"
)

// TestSharedSessions: two replicas sharing one Redis visit table keep a
// visitor whose requests alternate between them in one visit, stamped with
// the entry attributes of its first event, across the salt's midnight.
func TestSharedSessions(t *testing.T) {
	c, err := redis.Open(t.Context(), redistest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	a, b := NewSessions(nil), NewSessions(nil)
	var failures []error
	for _, s := range []*Sessions{a, b} {
		s.Share(c.Visits("visit:"), func(err error) { failures = append(failures, err) })
	}
	t0 := time.Date(2026, 11, 20, 23, 50, 0, 0, time.UTC)
	ev := func(at time.Duration, path, source string) *store.Event {
		return &store.Event{Timestamp: t0.Add(at), SiteID: 1, Name: "pageview", Pathname: path, Source: source, Country: "DE", City: "Köln", Screen: "Laptop"}
	}

	first := ev(0, "/landing", "Google")
	if !a.Assign(t.Context(), first, 7, 0, true) {
		t.Fatal("Assign opened no visit")
	}
	second := ev(5*time.Minute, "/pricing", "Twitter")
	second.Country, second.City = "FR", "Paris"
	if !b.Assign(t.Context(), second, 7, 0, true) {
		t.Fatal("second replica lost the visit")
	}
	if second.SessionID != first.SessionID || second.VisitorID != 7 || second.EntryPage != "/landing" ||
		second.Source != "Google" || second.City != "Köln" || second.Screen != "Laptop" {
		t.Errorf("second event on the other replica = %+v, want visit %d stamped with the first event's attributes", second, first.SessionID)
	}
	// Engagement on replica a after midnight (new visitor id 8) extends the
	// visit opened under yesterday's id 7.
	eng := &store.Event{Timestamp: t0.Add(20 * time.Minute), SiteID: 1, Name: "engagement"}
	if !a.Assign(t.Context(), eng, 8, 7, false) || eng.SessionID != first.SessionID || eng.VisitorID != 7 {
		t.Errorf("engagement after midnight = %+v, want visit %d of visitor 7", eng, first.SessionID)
	}
	// An engagement for a visitor without a visit opens none.
	if orphan := (&store.Event{Timestamp: t0, SiteID: 1, Name: "engagement"}); b.Assign(t.Context(), orphan, 99, 0, false) {
		t.Errorf("engagement without a visit was assigned: %+v", orphan)
	}
	// Idle 30 minutes after the last event: a new visit, on either replica.
	third := ev(51*time.Minute, "/blog", "")
	b.Assign(t.Context(), third, 8, 7, true)
	if third.SessionID == first.SessionID || third.EntryPage != "/blog" || third.VisitorID != 8 {
		t.Errorf("event after the idle timeout = %+v, want a new visit of visitor 8", third)
	}
	if len(failures) > 0 {
		t.Errorf("shared table failed: %v", failures)
	}
}

// TestSharedSessionsFallBack: when the shared table fails, events still get
// a visit, from the replica's own memory, and the failure is reported.
func TestSharedSessionsFallBack(t *testing.T) {
	s := NewSessions(nil)
	var failures int
	s.Share(brokenTable{}, func(error) { failures++ })
	ev := &store.Event{Timestamp: time.Now(), SiteID: 1, Name: "pageview", Pathname: "/"}
	if !s.Assign(t.Context(), ev, 7, 0, true) || ev.SessionID == 0 || ev.EntryPage != "/" {
		t.Errorf("Assign with a broken shared table = %+v, want a local visit", ev)
	}
	if failures != 1 {
		t.Errorf("%d failures reported, want 1", failures)
	}
}

type brokenTable struct{}

func (brokenTable) Join(context.Context, int64, [2]uint64, time.Time, time.Duration, store.Visit) (store.Visit, bool, error) {
	return store.Visit{}, false, errors.New("redis is down")
}

func TestEntryEncoding(t *testing.T) {
	e := entry{page: "/ü", source: "", city: "São Paulo", screen: "Desktop", utmTerm: string(make([]byte, 300))}
	got, err := decodeEntry(e.encode())
	if err != nil || got != e {
		t.Errorf("decode(encode(%+v)) = %+v, %v", e, got, err)
	}
	// An older, shorter encoding leaves the newer fields empty.
	short := entry{page: "/a"}.encode()[:3]
	if got, err := decodeEntry(short); err != nil || got.page != "/a" {
		t.Errorf("decode(prefix) = %+v, %v", got, err)
	}
	for _, bad := range [][]byte{{0x05, 'a'}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if _, err := decodeEntry(bad); err == nil {
			t.Errorf("decode(%q) succeeded, want an error", bad)
		}
	}
}

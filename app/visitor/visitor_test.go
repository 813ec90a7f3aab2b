package visitor

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

func openSalts(t *testing.T) (*Salts, *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return NewSalts(db), db
}

func TestSaltsRotate(t *testing.T) {
	ctx := context.Background()
	s, db := openSalts(t)
	ip := netip.MustParseAddr("203.0.113.9")
	day1 := time.Date(2026, 11, 20, 23, 50, 0, 0, time.UTC)

	if err := s.Rotate(ctx, day1); err != nil {
		t.Fatal(err)
	}
	a, prev := s.IDs(1, ip, "UA")
	if a == 0 || prev != 0 {
		t.Fatalf("IDs on first day = %d, %d; want non-zero, 0", a, prev)
	}
	if b, _ := s.IDs(1, ip, "UA"); b != a {
		t.Errorf("IDs not stable within a day: %d then %d", a, b)
	}
	if b, _ := s.IDs(2, ip, "UA"); b == a {
		t.Error("same id on two sites")
	}
	if b, _ := s.IDs(1, ip, "UA2"); b == a {
		t.Error("same id for two user agents")
	}
	if err := s.Rotate(ctx, day1.Add(5*time.Minute)); err != nil { // idempotent within the day
		t.Fatal(err)
	}
	if b, _ := s.IDs(1, ip, "UA"); b != a {
		t.Error("Rotate on the same day changed the salt")
	}

	if err := s.Rotate(ctx, day1.Add(20*time.Minute)); err != nil { // next day
		t.Fatal(err)
	}
	c, p := s.IDs(1, ip, "UA")
	if c == a || p != a {
		t.Errorf("after midnight IDs = %d, %d; want new id and previous %d", c, p, a)
	}

	// Two days later only yesterday's salt is kept (48 h at most).
	if err := s.Rotate(ctx, day1.AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	salts, err := db.Salts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(salts) > 2 {
		t.Errorf("Salts() kept %d salts, want at most 2", len(salts))
	}
	for _, salt := range salts {
		if salt.Day < "2026-11-22" {
			t.Errorf("salt of %s still stored", salt.Day)
		}
	}
}

func TestSessions(t *testing.T) {
	s := NewSessions(nil)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ev := func(at time.Duration, path, source string) *store.Event {
		return &store.Event{Timestamp: t0.Add(at), SiteID: 1, Name: "pageview", Pathname: path, Source: source, Country: "DE"}
	}

	first := ev(0, "/landing", "Google")
	if !s.Assign(t.Context(), first, 7, 0, true) {
		t.Fatal("Assign opened no session")
	}
	if first.EntryPage != "/landing" || first.VisitorID != 7 || first.SessionID == 0 {
		t.Fatalf("first event = %+v", first)
	}

	second := ev(29*time.Minute, "/pricing", "Twitter")
	s.Assign(t.Context(), second, 7, 0, true)
	if second.SessionID != first.SessionID || second.EntryPage != "/landing" || second.Source != "Google" {
		t.Errorf("second event = %+v, want same session stamped with entry attributes", second)
	}

	// Idle for 30 minutes since the last event: a new session.
	third := ev(59*time.Minute, "/blog", "")
	s.Assign(t.Context(), third, 7, 0, true)
	if third.SessionID == first.SessionID || third.EntryPage != "/blog" {
		t.Errorf("third event = %+v, want a new session", third)
	}

	// Engagement without an open session is not counted.
	eng := &store.Event{Timestamp: t0, SiteID: 1, Name: "engagement"}
	if s.Assign(t.Context(), eng, 99, 0, false) {
		t.Error("engagement opened a session")
	}

	// After midnight the visitor id changes; the session continues under
	// the previous id.
	late := ev(time.Hour+10*time.Minute, "/after-midnight", "")
	s.Assign(t.Context(), late, 8, 7, true)
	if late.SessionID != third.SessionID || late.VisitorID != 7 {
		t.Errorf("event after rotation = %+v, want session %d of visitor 7", late, third.SessionID)
	}

	if n := s.Sweep(t0.Add(3 * time.Hour)); n != 0 {
		t.Errorf("Sweep left %d sessions, want 0", n)
	}
}

func TestSessionIDsAreSmallAndConsecutive(t *testing.T) {
	_, db := openSalts(t)
	s := NewSessions(db)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var ids []uint64
	for v := range uint64(3) {
		ev := &store.Event{Timestamp: t0, SiteID: 1, Name: "pageview"}
		s.Assign(t.Context(), ev, 100+v, 0, true)
		ids = append(ids, ev.SessionID)
	}
	if ids[0] != 1 || ids[1] != 2 || ids[2] != 3 {
		t.Errorf("session ids = %v, want 1, 2, 3", ids)
	}
	// A restart reserves a fresh block: ids are never reused.
	s2 := NewSessions(db)
	ev := &store.Event{Timestamp: t0, SiteID: 1, Name: "pageview"}
	s2.Assign(t.Context(), ev, 200, 0, true)
	if ev.SessionID != idBlockSize+1 {
		t.Errorf("after restart session id = %d, want %d", ev.SessionID, idBlockSize+1)
	}
}

func TestVisitorIDCarriesDay(t *testing.T) {
	ctx := context.Background()
	s, _ := openSalts(t)
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if err := s.Rotate(ctx, day); err != nil {
		t.Fatal(err)
	}
	id, _ := s.IDs(1, netip.MustParseAddr("203.0.113.9"), "UA")
	if got, want := id>>32, uint64(day.Unix()/86400); got != want {
		t.Errorf("visitor id day = %d, want %d", got, want)
	}
}

func BenchmarkIDs(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	s := NewSalts(db)
	if err := s.Rotate(ctx, time.Now()); err != nil {
		b.Fatal(err)
	}
	ip := netip.MustParseAddr("203.0.113.9")
	b.ReportAllocs()
	for b.Loop() {
		s.IDs(1, ip, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36")
	}
}

// TestSessionsConcurrentFirstEvents: first events of one visitor arriving
// at once (a pageview and a queued custom event) share one session.
func TestSessionsConcurrentFirstEvents(t *testing.T) {
	for range 50 {
		s := NewSessions(nil)
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		ids := make([]uint64, 8)
		for i := range ids {
			wg.Go(func() {
				ev := &store.Event{Timestamp: t0, SiteID: 1, Name: "pageview"}
				s.Assign(t.Context(), ev, 42, 0, true)
				ids[i] = ev.SessionID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("concurrent first events got sessions %v, want one", ids)
			}
		}
	}
}

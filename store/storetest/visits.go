package storetest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// RunVisits runs the store.VisitTable conformance suite. open must return a
// new, empty table on every call. Subtests run in parallel.
func RunVisits(t *testing.T, open func(t testing.TB) store.VisitTable) {
	tests := []struct {
		name string
		run  func(t *testing.T, v store.VisitTable)
	}{
		{"OpenJoinExpire", visitsTestOpenJoinExpire},
		{"Yesterday", visitsTestYesterday},
		{"Sites", visitsTestSites},
		{"Concurrent", visitsTestConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

const visitIdle = 30 * time.Minute

var visitT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func join(t *testing.T, tbl store.VisitTable, site int64, ids [2]uint64, now time.Time, fresh store.Visit) (store.Visit, bool) {
	t.Helper()
	v, ok, err := tbl.Join(t.Context(), site, ids, now, visitIdle, fresh)
	if err != nil {
		t.Fatalf("Join(site %d, %v, %v): %v", site, ids, now, err)
	}
	return v, ok
}

func wantVisit(t *testing.T, got store.Visit, ok bool, want store.Visit) {
	t.Helper()
	if !ok || got.ID != want.ID || got.Visitor != want.Visitor || !bytes.Equal(got.Entry, want.Entry) {
		t.Errorf("Join = %+v, %v; want %+v, true", got, ok, want)
	}
}

func visitsTestOpenJoinExpire(t *testing.T, tbl store.VisitTable) {
	ids := [2]uint64{1<<63 + 5, 0}
	if v, ok := join(t, tbl, 1, ids, visitT0, store.Visit{}); ok {
		t.Fatalf("Join on an empty table without fresh = %+v, want none", v)
	}
	a := store.Visit{ID: 1<<64 - 1, Visitor: ids[0], Entry: []byte("entry\x00/landing")}
	v, ok := join(t, tbl, 1, ids, visitT0, a)
	wantVisit(t, v, ok, a)
	// Later events join, whatever fresh visit they bring, and each one
	// moves the idle deadline.
	b := store.Visit{ID: 99, Visitor: ids[0], Entry: []byte("other")}
	for i := 1; i <= 3; i++ {
		v, ok = join(t, tbl, 1, ids, visitT0.Add(time.Duration(i)*20*time.Minute), b)
		wantVisit(t, v, ok, a)
	}
	// An event from before the last one (a late engagement) joins without
	// moving the deadline back.
	v, ok = join(t, tbl, 1, ids, visitT0.Add(50*time.Minute), store.Visit{})
	wantVisit(t, v, ok, a)
	// Idle for 30 minutes after the last event (at +60m): over.
	if v, ok = join(t, tbl, 1, ids, visitT0.Add(90*time.Minute), store.Visit{}); ok {
		t.Errorf("Join after the idle timeout = %+v, want none", v)
	}
	v, ok = join(t, tbl, 1, ids, visitT0.Add(90*time.Minute), b)
	wantVisit(t, v, ok, b)
}

func visitsTestYesterday(t *testing.T, tbl store.VisitTable) {
	today, yesterday := uint64(7), uint64(8)
	a := store.Visit{ID: 1, Visitor: yesterday, Entry: []byte("a")}
	v, ok := join(t, tbl, 1, [2]uint64{yesterday, 0}, visitT0, a)
	wantVisit(t, v, ok, a)
	// After midnight the visitor has a new id: the visit opened under
	// yesterday's continues.
	v, ok = join(t, tbl, 1, [2]uint64{today, yesterday}, visitT0.Add(10*time.Minute), store.Visit{ID: 2, Visitor: today, Entry: []byte("b")})
	wantVisit(t, v, ok, a)
	// Once it is over, the next visit opens under today's id.
	b := store.Visit{ID: 3, Visitor: today, Entry: []byte("c")}
	v, ok = join(t, tbl, 1, [2]uint64{today, yesterday}, visitT0.Add(time.Hour), b)
	wantVisit(t, v, ok, b)
	v, ok = join(t, tbl, 1, [2]uint64{today, 0}, visitT0.Add(70*time.Minute), store.Visit{})
	wantVisit(t, v, ok, b)
}

func visitsTestSites(t *testing.T, tbl store.VisitTable) {
	ids := [2]uint64{42, 0}
	a := store.Visit{ID: 1, Visitor: 42, Entry: []byte("site 1")}
	b := store.Visit{ID: 2, Visitor: 42, Entry: []byte("site 2")}
	v, ok := join(t, tbl, 1, ids, visitT0, a)
	wantVisit(t, v, ok, a)
	// The same visitor id on another site is another visit.
	v, ok = join(t, tbl, 2, ids, visitT0, b)
	wantVisit(t, v, ok, b)
	v, ok = join(t, tbl, 1, ids, visitT0.Add(time.Minute), store.Visit{})
	wantVisit(t, v, ok, a)
}

// visitsTestConcurrent: callers racing to open the same visitor's visit
// (two replicas receiving a pageview and an event at once) end up in one.
func visitsTestConcurrent(t *testing.T, tbl store.VisitTable) {
	const n = 16
	got := make([]store.Visit, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			fresh := store.Visit{ID: uint64(100 + i), Visitor: 5, Entry: []byte{byte(i)}}
			v, ok, err := tbl.Join(t.Context(), 1, [2]uint64{5, 0}, visitT0, visitIdle, fresh)
			if err != nil || !ok {
				t.Errorf("Join: %+v, %v, %v", v, ok, err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if got[i].ID != got[0].ID || !bytes.Equal(got[i].Entry, got[0].Entry) {
			t.Fatalf("racing Joins opened different visits: %+v and %+v", got[0], got[i])
		}
	}
}

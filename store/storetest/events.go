package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// OpenEvents opens the events backend under test. It returns a new, empty
// store and registers its Close with t.Cleanup. reopen, if not nil, opens
// the same storage again (the same file, the same server database) and
// registers that store's Close likewise; the suite calls it only after
// closing s itself, so Close must tolerate a second call. reopen is nil
// for storage that does not outlive Close, such as an in-memory database;
// the suite then skips the durability tests.
type OpenEvents func(t testing.TB) (s store.Events, reopen func(t testing.TB) store.Events)

// RunEvents runs the store.Events conformance suite: every query case
// against the shared golden file testdata/events.golden.json and against
// Evaluate (the Go oracle), then the contract tests. Run the tests with
// -update to rewrite the golden file from the backend under test; a case
// on which the backend and Evaluate disagree fails either way. See
// Evaluate for the query semantics, and the tests below for these
// conventions beyond store.go that backends share:
//
//   - Append rejects a whole batch holding an event with SiteID ≤ 0 or a
//     zero Timestamp.
//   - AppendSeq with a position not after LastSeq stores nothing and
//     returns an error wrapping store.ErrConflict (a replayed batch); with
//     no events it still records the position.
//   - Count counts every row, engagement reports included.
//   - A metric a backend does not know is an error wrapping
//     store.ErrUnsupported.
func RunEvents(t *testing.T, open OpenEvents) {
	t.Run("Queries", func(t *testing.T) { eventsTestQueries(t, open) })
	t.Run("Funnels", func(t *testing.T) { eventsTestFunnels(t, open) })

	tests := []struct {
		name string
		run  func(t *testing.T, open OpenEvents)
	}{
		{"AppendEmpty", eventsTestAppendEmpty},
		{"AppendInvalidBatch", eventsTestAppendInvalidBatch},
		{"AppendCanceled", eventsTestAppendCanceled},
		{"AppendConcurrent", eventsTestAppendConcurrent},
		{"Count", eventsTestCount},
		{"AppendSeq", eventsTestAppendSeq},
		{"Reopen", eventsTestReopen},
		{"UnknownMetric", eventsTestUnknownMetric},
		{"Ping", eventsTestPing},
		{"Delete", eventsTestDelete},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open)
		})
	}
}

// RunEventQueries runs the query cases and funnels of RunEvents alone,
// against the golden file and Evaluate: for an engine that answers a
// backend's SQL without being a whole backend (store/clickhouse runs its
// statements on a current ClickHouse as a library this way).
func RunEventQueries(t *testing.T, open OpenEvents) {
	t.Run("Queries", func(t *testing.T) { eventsTestQueries(t, open) })
	t.Run("Funnels", func(t *testing.T) { eventsTestFunnels(t, open) })
}

// The dataset of the query cases. Changing any of these changes every
// golden result.
var (
	eventsSeed  int64 = 20260301
	eventsN           = 20_000
	eventsFrom        = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // a Sunday; US DST starts 03-08, EU 03-29
	eventsDays        = 35
	eventsUntil       = eventsFrom.AddDate(0, 0, eventsDays)
)

// eventsLoad appends events in batches of uneven sizes, each shuffled, so
// the backend's own ordering is exercised.
func eventsLoad(t testing.TB, s store.Events, events []store.Event) {
	t.Helper()
	r := newRNG(7)
	sizes := []int{1, 999, 2500, 17, 5000}
	for i, k := 0, 0; i < len(events); k++ {
		n := min(sizes[k%len(sizes)], len(events)-i)
		batch := append([]store.Event(nil), events[i:i+n]...)
		for j := len(batch) - 1; j > 0; j-- {
			m := r.intn(j + 1)
			batch[j], batch[m] = batch[m], batch[j]
		}
		if err := s.Append(t.Context(), batch); err != nil {
			t.Fatalf("Append(%d events): %v", n, err)
		}
		i += n
	}
}

// eventsCount calls Count and fails the test on error.
func eventsCount(t testing.TB, s store.Events, site int64, from, to time.Time) int64 {
	t.Helper()
	n, err := s.Count(t.Context(), site, from, to)
	if err != nil {
		t.Fatalf("Count(%d, %v, %v): %v", site, from, to, err)
	}
	return n
}

// countIn counts what Count should return, from the slice.
func countIn(events []store.Event, site int64, from, to time.Time) int64 {
	var n int64
	for _, e := range events {
		if e.SiteID == site && (from.IsZero() || !e.Timestamp.Before(from)) && (to.IsZero() || e.Timestamp.Before(to)) {
			n++
		}
	}
	return n
}

func eventsTestAppendEmpty(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	if err := s.Append(t.Context(), nil); err != nil {
		t.Errorf("Append(nil) = %v, want nil", err)
	}
	if err := s.Append(t.Context(), []store.Event{}); err != nil {
		t.Errorf("Append([]) = %v, want nil", err)
	}
	if n := eventsCount(t, s, 1, time.Time{}, time.Time{}); n != 0 {
		t.Errorf("Count after empty appends = %d, want 0", n)
	}
}

func eventsTestAppendInvalidBatch(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	for _, tc := range []struct {
		name  string
		spoil func(e *store.Event)
	}{
		{"no site", func(e *store.Event) { e.SiteID = 0 }},
		{"negative site", func(e *store.Event) { e.SiteID = -1 }},
		{"no timestamp", func(e *store.Event) { e.Timestamp = time.Time{} }},
	} {
		batch := Dataset(1, 300, eventsFrom, 1)
		tc.spoil(&batch[150])
		if err := s.Append(t.Context(), batch); err == nil {
			t.Errorf("Append(batch with %s) = nil, want an error", tc.name)
		}
		for site := int64(1); site <= 3; site++ {
			if n := eventsCount(t, s, site, time.Time{}, time.Time{}); n != 0 {
				t.Errorf("after Append(batch with %s) failed: Count(site %d) = %d, want 0", tc.name, site, n)
			}
		}
	}
}

// eventsTestAppendCanceled allows either outcome of an Append whose
// context ends during the call, but not half of one.
func eventsTestAppendCanceled(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	batch := Generator{Seed: 2, Sites: 1}.Events(20_000, eventsFrom, 3)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		time.Sleep(time.Millisecond)
		cancel()
	}()
	err := s.Append(ctx, batch)
	want := int64(0)
	if err == nil {
		want = int64(len(batch))
	}
	if n := eventsCount(t, s, 1, time.Time{}, time.Time{}); n != want {
		t.Errorf("Append during cancellation = %v, then Count = %d, want %d", err, n, want)
	}
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	if err := s.Append(ctx, batch); err == nil {
		t.Errorf("Append(canceled context) = nil, want an error")
	}
	if n := eventsCount(t, s, 1, time.Time{}, time.Time{}); n != want {
		t.Errorf("after Append(canceled context): Count = %d, want %d", n, want)
	}
}

func eventsTestAppendConcurrent(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	const writers, batches = 8, 5
	events := Generator{Seed: 3, Sites: 2}.Events(writers*batches*50, eventsFrom, 2)
	var wg sync.WaitGroup
	errs := make(chan error, writers*batches+writers)
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				i := (w*batches + b) * 50
				if err := s.Append(t.Context(), events[i:i+50]); err != nil {
					errs <- fmt.Errorf("writer %d batch %d: %w", w, b, err)
				}
			}
		})
		wg.Go(func() { // readers alongside
			q := store.Query{SiteID: 1, From: eventsFrom, To: eventsUntil, Metrics: []string{"visitors", "events"}, Dimensions: []string{"visit:source"}}
			if _, err := s.Query(t.Context(), q); err != nil {
				errs <- fmt.Errorf("reader %d: %w", w, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Append/Query: %v", err)
	}
	for site := int64(1); site <= 2; site++ {
		if n, want := eventsCount(t, s, site, time.Time{}, time.Time{}), countIn(events, site, time.Time{}, time.Time{}); n != want {
			t.Errorf("Count(site %d) after concurrent appends = %d, want %d", site, n, want)
		}
	}
}

func eventsTestCount(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	events := Dataset(4, 5000, eventsFrom, 10)
	eventsLoad(t, s, events)
	mid := eventsFrom.Add(4*24*time.Hour + 7*time.Hour + 123*time.Millisecond)
	cases := []struct {
		site     int64
		from, to time.Time
	}{
		{1, time.Time{}, time.Time{}},
		{2, time.Time{}, time.Time{}},
		{1, eventsFrom, mid},
		{1, mid, time.Time{}},
		{1, time.Time{}, mid},
		{3, mid, mid.Add(48 * time.Hour)},
		{1, events[100].Timestamp, events[200].Timestamp}, // bounds on existing rows: [from, to)
		{99, time.Time{}, time.Time{}},
	}
	for _, c := range cases {
		if got, want := eventsCount(t, s, c.site, c.from, c.to), countIn(events, c.site, c.from, c.to); got != want {
			t.Errorf("Count(%d, %v, %v) = %d, want %d", c.site, c.from, c.to, got, want)
		}
	}
}

func eventsTestAppendSeq(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	sa, ok := s.(store.SequencedAppender)
	if !ok {
		t.Skip("backend does not implement store.SequencedAppender")
	}
	ctx := t.Context()
	events := Dataset(5, 900, eventsFrom, 2)
	lastSeq := func(want uint64) {
		t.Helper()
		if got, err := sa.LastSeq(ctx); err != nil || got != want {
			t.Errorf("LastSeq() = %d, %v; want %d", got, err, want)
		}
	}
	total := func(want int) {
		t.Helper()
		var n int64
		for site := int64(1); site <= 3; site++ {
			n += eventsCount(t, s, site, time.Time{}, time.Time{})
		}
		if n != int64(want) {
			t.Errorf("total Count = %d, want %d", n, want)
		}
	}

	lastSeq(0)
	if err := sa.AppendSeq(ctx, events[:300], 3); err != nil {
		t.Fatalf("AppendSeq(300 events, 3): %v", err)
	}
	lastSeq(3)
	if err := sa.AppendSeq(ctx, events[300:600], 10); err != nil {
		t.Fatalf("AppendSeq(300 events, 10): %v", err)
	}
	lastSeq(10)
	total(600)
	for _, seq := range []uint64{10, 5} {
		if err := sa.AppendSeq(ctx, events[600:], seq); !errors.Is(err, store.ErrConflict) {
			t.Errorf("AppendSeq(replayed batch, %d) = %v, want ErrConflict", seq, err)
		}
	}
	lastSeq(10)
	total(600)
	if err := sa.AppendSeq(ctx, nil, 11); err != nil {
		t.Errorf("AppendSeq(no events, 11): %v", err)
	}
	lastSeq(11)
	bad := append([]store.Event(nil), events[600:]...)
	bad[1].SiteID = 0
	if err := sa.AppendSeq(ctx, bad, 12); err == nil {
		t.Errorf("AppendSeq(invalid batch, 12) = nil, want an error")
	}
	lastSeq(11)
	total(600)
	if err := sa.AppendSeq(ctx, events[600:], 1<<63+5); err != nil {
		t.Errorf("AppendSeq(300 events, 2^63+5): %v", err)
	}
	lastSeq(1<<63 + 5)
	total(900)
}

// eventsTestReopen checks that what was acknowledged survives Close.
func eventsTestReopen(t *testing.T, open OpenEvents) {
	s, reopen := open(t)
	if reopen == nil {
		t.Skip("storage does not outlive Close")
	}
	events := Dataset(6, 3000, eventsFrom, 5)
	eventsLoad(t, s, events[:2000])
	sa, seqOK := s.(store.SequencedAppender)
	if seqOK {
		if err := sa.AppendSeq(t.Context(), events[2000:], 42); err != nil {
			t.Fatalf("AppendSeq: %v", err)
		}
	} else {
		eventsLoad(t, s, events[2000:])
	}
	q := store.Query{SiteID: 1, From: eventsFrom, To: eventsUntil, Metrics: []string{"visitors", "pageviews"}, Dimensions: []string{"event:page"}, Limit: 5}
	before, err := s.Query(t.Context(), q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = reopen(t)
	for site := int64(1); site <= 3; site++ {
		if got, want := eventsCount(t, s, site, time.Time{}, time.Time{}), countIn(events, site, time.Time{}, time.Time{}); got != want {
			t.Errorf("after reopen: Count(site %d) = %d, want %d", site, got, want)
		}
	}
	if seqOK {
		if got, err := s.(store.SequencedAppender).LastSeq(t.Context()); err != nil || got != 42 {
			t.Errorf("after reopen: LastSeq() = %d, %v; want 42", got, err)
		}
	}
	after, err := s.Query(t.Context(), q)
	if err != nil {
		t.Fatalf("after reopen: Query: %v", err)
	}
	if diff := diffResult(before, after); diff != "" {
		t.Errorf("after reopen: Query(%+v) differs (-before +after):\n%s", q, diff)
	}
	// The reopened store takes writes too.
	if err := s.Append(t.Context(), Dataset(7, 10, eventsFrom, 1)); err != nil {
		t.Errorf("after reopen: Append: %v", err)
	}
}

func eventsTestUnknownMetric(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	q := store.Query{SiteID: 1, From: eventsFrom, To: eventsUntil, Metrics: []string{"visitors", "no_such_metric"}}
	if _, err := s.Query(t.Context(), q); !errors.Is(err, store.ErrUnsupported) {
		t.Errorf("Query(metric no_such_metric) = %v, want ErrUnsupported", err)
	}
}

func eventsTestPing(t *testing.T, open OpenEvents) {
	s, _ := open(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// FunnelCases are the suite's funnels over the Dataset of the suite.
func FunnelCases() []store.FunnelQuery {
	f := func(steps []store.Goal, filters ...store.Filter) store.FunnelQuery {
		return store.FunnelQuery{SiteID: 1, From: eventsFrom, To: eventsUntil, Steps: steps, Filters: filters, Goals: Goals}
	}
	page := func(p string) store.Goal { return store.Goal{Page: p} }
	event := func(n string) store.Goal { return store.Goal{EventName: n} }
	return []store.FunnelQuery{
		f([]store.Goal{page("/"), page("/pricing")}),
		f([]store.Goal{page("/"), page("/pricing"), event("Signup")}),
		f([]store.Goal{page("/**"), page("/docs/**"), page("/blog/*"), event("Outbound Link: Click")}),
		f([]store.Goal{page("/pricing"), page("/pricing")}), // the same page twice: a second, later view
		f([]store.Goal{page("/"), event("Purchase")}, store.Filter{Op: "is", Dimension: "visit:device", Values: []string{"desktop"}}),
		f([]store.Goal{page("/"), page("/about")}, store.Filter{Op: "is", Dimension: store.DimGoal, Values: []string{"Pricing", "Docs"}}),
		f([]store.Goal{event("No such event"), page("/")}),
	}
}

func eventsTestFunnels(t *testing.T, open OpenEvents) {
	events := Dataset(eventsSeed, eventsN, eventsFrom, eventsDays)
	s, _ := open(t)
	eventsLoad(t, s, events)
	for i, q := range FunnelCases() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if err := q.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got, err := s.Funnel(t.Context(), q)
			if err != nil {
				t.Fatalf("Funnel(%+v): %v", q, err)
			}
			want, err := EvaluateFunnel(events, q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("Funnel(%+v) = %v, EvaluateFunnel = %v", q.Steps, got, want)
			}
			if i < 2 && (want[0] == 0 || want[len(want)-1] == 0) {
				t.Errorf("funnel %d reaches nobody (%v): the case tests nothing", i, want)
			}
		})
	}
}

package duckdb

import (
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

func openTest(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, Options{Threads: 2})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var day = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// TestAppendSeqRollsBackAppenderRows proves that the Appender writes into
// the surrounding transaction: a failure after every row was flushed, just
// before COMMIT, leaves neither the rows nor the new queue position.
func TestAppendSeqRollsBackAppenderRows(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "events.duckdb"))
	ctx := t.Context()
	events := storetest.Dataset(1, 5000, day, 2)
	if err := s.AppendSeq(ctx, events[:1000], 1); err != nil {
		t.Fatalf("AppendSeq: %v", err)
	}
	boom := errors.New("boom")
	var seen int64
	s.beforeCommit = func() error {
		// Inside the transaction the rows are visible...
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&seen); err != nil {
			return err
		}
		return boom
	}
	if err := s.AppendSeq(ctx, events[1000:], 2); !errors.Is(err, boom) {
		t.Fatalf("AppendSeq with failing commit = %v, want %v", err, boom)
	}
	s.beforeCommit = nil
	// ...to other connections only after COMMIT: seen is from another one.
	if seen != 1000 {
		t.Errorf("rows visible outside the transaction before commit: %d, want 1000", seen)
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil || n != 1000 {
		t.Errorf("after rollback: %d rows, %v; want 1000", n, err)
	}
	if seq, err := s.LastSeq(ctx); err != nil || seq != 1 {
		t.Errorf("after rollback: LastSeq() = %d, %v; want 1", seq, err)
	}
	// The connection is usable again and the batch goes in whole.
	if err := s.AppendSeq(ctx, events[1000:], 2); err != nil {
		t.Fatalf("AppendSeq retry: %v", err)
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil || n != 5000 {
		t.Errorf("after retry: %d rows, %v; want 5000", n, err)
	}
}

// TestAppendStoresColumns reads one event back column by column: NULL for
// what was not measured, exact revenue, sorted properties, valid UTF-8.
func TestAppendStoresColumns(t *testing.T) {
	s := openTest(t, "")
	e := store.Event{
		Timestamp: day.Add(1500 * time.Millisecond), SiteID: 7, VisitorID: 1<<64 - 1, SessionID: 1 << 63,
		Name: "Purchase", Pathname: "/caf\xe9", Props: map[string]string{"plan": "pro", "b": "2", "a": "1"},
		RevenueAmount: 12.3456, RevenueCurrency: "EUR", ScrollDepth: -1, CLS: 0.125, LCPms: 1800,
	}
	if err := s.Append(t.Context(), []store.Event{e}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		ts                     int64
		visitor, session       uint64
		path, props, revenue   string
		scroll, engagement, dn any
		cls                    float32
		lcp                    uint32
	}
	err := s.db.QueryRowContext(t.Context(), `SELECT ts, visitor_id, session_id, pathname, props::VARCHAR,
		revenue_amount::VARCHAR, scroll_depth, engagement_ms, dns_ms, cls, lcp_ms FROM events`).Scan(
		&got.ts, &got.visitor, &got.session, &got.path, &got.props, &got.revenue,
		&got.scroll, &got.engagement, &got.dn, &got.cls, &got.lcp)
	if err != nil {
		t.Fatal(err)
	}
	if got.ts != e.Timestamp.UnixMilli() || got.visitor != e.VisitorID || got.session != e.SessionID {
		t.Errorf("ts, visitor, session = %d, %d, %d; want %d, %d, %d", got.ts, got.visitor, got.session,
			e.Timestamp.UnixMilli(), e.VisitorID, e.SessionID)
	}
	if got.path != "/caf\uFFFD" {
		t.Errorf("pathname = %q, want invalid byte replaced", got.path)
	}
	if got.props != "{a=1, b=2, plan=pro}" {
		t.Errorf("props = %s, want keys sorted", got.props)
	}
	if got.revenue != "12.3456" {
		t.Errorf("revenue_amount = %s, want 12.3456", got.revenue)
	}
	if got.scroll != nil || got.engagement != nil || got.dn != nil {
		t.Errorf("scroll_depth, engagement_ms, dns_ms = %v, %v, %v; want NULLs", got.scroll, got.engagement, got.dn)
	}
	if got.cls != 0.125 || got.lcp != 1800 {
		t.Errorf("cls, lcp_ms = %v, %v; want 0.125, 1800", got.cls, got.lcp)
	}
}

func TestAppendRejectsBadRevenue(t *testing.T) {
	s := openTest(t, "")
	e := store.Event{Timestamp: day, SiteID: 1, Name: "Purchase", RevenueAmount: 1e15}
	if err := s.Append(t.Context(), []store.Event{e}); err == nil {
		t.Error("Append(revenue 1e15) = nil, want an error")
	}
}

func TestMigrateIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.duckdb")
	for range 2 {
		s, err := Open(t.Context(), path, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var versions int
		if err := s.db.QueryRowContext(t.Context(), "SELECT count(*) FROM schema_version").Scan(&versions); err != nil {
			t.Fatal(err)
		}
		steps, err := migrationSteps(migrations)
		if err != nil {
			t.Fatal(err)
		}
		if versions != len(steps) {
			t.Errorf("schema_version has %d rows, want %d", versions, len(steps))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenRejectsQuestionMark(t *testing.T) {
	if _, err := Open(t.Context(), filepath.Join(t.TempDir(), "a?b"), Options{}); err == nil {
		t.Error("Open(path with '?') = nil error")
	}
}

func TestLocalMillis(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	march := time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC)
	dst := time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC).UnixMilli()  // 02:00 EST
	nov := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC).UnixMilli() // 02:00 EDT
	for _, tc := range []struct {
		loc      *time.Location
		from, to time.Time
		want     string
	}{
		{nil, march, march.AddDate(0, 1, 0), "ts"},
		{time.UTC, march, march.AddDate(1, 0, 0), "ts"},
		{kolkata, march, march.AddDate(1, 0, 0), "(ts + 19800000)"},
		{ny, march, march.AddDate(0, 0, 5), "(ts + -18000000)"},
		{ny, march, march.AddDate(0, 1, 0), "(ts + CASE WHEN ts < " + itoa(dst) + " THEN -18000000 ELSE -14400000 END)"},
		{ny, march, march.AddDate(1, 0, 0), "(ts + CASE WHEN ts < " + itoa(dst) + " THEN -18000000 WHEN ts < " + itoa(nov) + " THEN -14400000 ELSE -18000000 END)"},
	} {
		if got := localMillis(tc.loc, tc.from, tc.to); got != tc.want {
			t.Errorf("localMillis(%v, %v, %v) = %s, want %s", tc.loc, tc.from, tc.to, got, tc.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCeilMilli(t *testing.T) {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want int64
	}{
		{base, base.UnixMilli()},
		{base.Add(time.Nanosecond), base.UnixMilli() + 1},
		{base.Add(999 * time.Microsecond), base.UnixMilli() + 1},
		{base.Add(time.Millisecond), base.UnixMilli() + 1},
		{time.Unix(0, -1), 0},
	} {
		if got := ceilMilli(tc.t); got != tc.want {
			t.Errorf("ceilMilli(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
}

// TestCompileParameters checks that no value reaches the SQL text: values
// that would break out of a string literal are parameters.
func TestCompileParameters(t *testing.T) {
	evil := "x'); DROP TABLE events; --"
	q := store.Query{SiteID: 1, From: day, To: day.AddDate(0, 0, 1), Metrics: []string{"visitors"},
		Dimensions: []string{"event:page"},
		Filters: []store.Filter{
			{Op: "is", Dimension: "event:page", Values: []string{evil}},
			{Op: "not", Children: []store.Filter{{Op: "contains", Dimension: "visit:source", Values: []string{evil, "b"}}}},
		}, Limit: 3, Offset: 2}
	c, err := compile(q)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.sql, "DROP") {
		t.Errorf("compile put a value into the SQL: %s", c.sql)
	}
	// The filter on a visit attribute applies first, with the rows in
	// range; the one on the page after.
	wantArgs := []any{int64(1), day.UnixMilli(), day.AddDate(0, 0, 1).UnixMilli(), evil, "b", evil, 3, 2}
	if diff := cmp.Diff(wantArgs, c.args); diff != "" {
		t.Errorf("compile args (-want +got):\n%s", diff)
	}
	if len(c.countArgs) != len(wantArgs)-2 {
		t.Errorf("count query has %d args, want %d", len(c.countArgs), len(wantArgs)-2)
	}
	s := openTest(t, "")
	if _, err := s.Query(t.Context(), q); err != nil {
		t.Errorf("Query: %v", err)
	}
}

func TestCompileUnsupported(t *testing.T) {
	base := store.Query{SiteID: 1, From: day, To: day.AddDate(0, 0, 1), Metrics: []string{"visitors"}}
	for name, mod := range map[string]func(*store.Query){
		"metric":    func(q *store.Query) { q.Metrics = []string{"bounce"} },
		"perf":      func(q *store.Query) { q.Metrics = []string{"lcp_p99"} },
		"dimension": func(q *store.Query) { q.Dimensions = []string{"visit:shoe_size"} },
		"filter op": func(q *store.Query) {
			q.Filters = []store.Filter{{Op: "resembles", Dimension: "event:page", Values: []string{"x"}}}
		},
		"filter column": func(q *store.Query) {
			q.Filters = []store.Filter{{Op: "is", Dimension: "visit:shoe_size", Values: []string{"x"}}}
		},
		"filter on time": func(q *store.Query) {
			q.Filters = []store.Filter{{Op: "is", Dimension: "time:day", Values: []string{"x"}}}
		},
		"filter no value": func(q *store.Query) { q.Filters = []store.Filter{{Op: "is", Dimension: "event:page"}} },
		"empty or":        func(q *store.Query) { q.Filters = []store.Filter{{Op: "or"}} },
		"order key":       func(q *store.Query) { q.OrderBy = []store.Order{{Key: "pageviews"}} },
	} {
		q := base
		mod(&q)
		if _, err := compile(q); !errors.Is(err, store.ErrUnsupported) {
			t.Errorf("compile(%s) = %v, want ErrUnsupported", name, err)
		}
	}
	if _, err := compile(store.Query{SiteID: 1, From: day, To: day, Metrics: []string{"visitors"}, TimeZone: "Mars/Olympus"}); err == nil {
		t.Error("compile(unknown time zone) = nil error")
	}
}

// TestRollupUsed: once settled days are rolled up, visit-level queries
// read them (the conformance suite proves the answers stay the same).
func TestRollupUsed(t *testing.T) {
	s := openTest(t, "")
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Append(t.Context(), storetest.Dataset(3, 5000, from, 10)); err != nil {
		t.Fatal(err)
	}
	q := store.Query{SiteID: 1, From: from, To: from.AddDate(0, 0, 10), Metrics: []string{"visitors", "bounce_rate"}, Dimensions: []string{"visit:source"}}
	before, err := s.plan(t.Context(), q)
	if err != nil || strings.Contains(before.sql, "rollup_visits") {
		t.Fatalf("before Rollup: %v, sql reads rollups: %v", err, strings.Contains(before.sql, "rollup_visits"))
	}
	// Days are rolled up once over and quiet for an hour: with "now" at
	// the start of day 10, day 9 (its visits run past midnight) is not;
	// days 0–8 are.
	n, err := s.Rollup(t.Context(), from.AddDate(0, 0, 10))
	if err != nil || n < 3*8 {
		t.Fatalf("Rollup = %d, %v; want 8 days of 3 sites", n, err)
	}
	after, err := s.plan(t.Context(), q)
	if err != nil || !strings.Contains(after.sql, "rollup_visits") {
		t.Fatalf("after Rollup: %v, sql reads rollups: %v", err, strings.Contains(after.sql, "rollup_visits"))
	}
	if n, err := s.Rollup(t.Context(), from.AddDate(0, 0, 10)); err != nil || n != 0 {
		t.Errorf("second Rollup = %d, %v; want nothing left to do", n, err)
	}

	// Goals: computed per rolled day once, then read by the goals panel.
	gq := store.Query{SiteID: 1, From: from, To: from.AddDate(0, 0, 10), Metrics: []string{"visitors", "conversion_rate"},
		Dimensions: []string{store.DimGoal}, Goals: storetest.Goals}
	if n, err := s.RollupGoals(t.Context(), 1, storetest.Goals); err != nil || n != 9*len(storetest.Goals) {
		t.Fatalf("RollupGoals = %d, %v; want a row per rolled day (March 1–9) and goal (%d)", n, err, 9*len(storetest.Goals))
	}
	if n, err := s.RollupGoals(t.Context(), 1, storetest.Goals); err != nil || n != 0 {
		t.Errorf("second RollupGoals = %d, %v; want nothing left to do", n, err)
	}
	plan, err := s.plan(t.Context(), gq)
	if err != nil || !strings.Contains(plan.sql, "rollup_goals") {
		t.Fatalf("goal query after RollupGoals: %v, reads goal rollups: %v", err, strings.Contains(plan.sql, "rollup_goals"))
	}
	// Two hours into day 10, day 9 has been quiet for an hour.
	if n, err := s.Rollup(t.Context(), from.AddDate(0, 0, 10).Add(2*time.Hour)); err != nil || n < 1 || n > 3 {
		t.Errorf("Rollup two hours later = %d, %v; want day 9 of the sites with visits that day", n, err)
	}
	day9 := from.AddDate(0, 0, 9).Unix() / 86400
	if days, err := s.rolledDays(t.Context(), 1, from, from.AddDate(0, 0, 11)); err != nil || !slices.Contains(days, day9) {
		t.Errorf("site 1's rolled days %v, %v; want day 9 (%d) among them", days, err, day9)
	}
	// The daily series, in the zone it was rolled up for.
	sq := store.Query{SiteID: 1, From: from, To: from.AddDate(0, 0, 10), TimeZone: "Europe/Berlin", Metrics: []string{"visitors", "bounce_rate"}, Dimensions: []string{"time:day"}}
	if n, err := s.RollupSeries(t.Context(), 1, "Europe/Berlin"); err != nil || n == 0 {
		t.Fatalf("RollupSeries = %d, %v", n, err)
	}
	if plan, err := s.plan(t.Context(), sq); err != nil || !strings.Contains(plan.sql, "rollup_series") {
		t.Errorf("series after RollupSeries: %v, reads series rollups: %v", err, err == nil && strings.Contains(plan.sql, "rollup_series"))
	}
	sq.TimeZone = "Asia/Tokyo"
	if plan, err := s.plan(t.Context(), sq); err != nil || strings.Contains(plan.sql, "rollup_series") {
		t.Errorf("series in another zone: %v, reads series rollups: %v", err, err == nil && strings.Contains(plan.sql, "rollup_series"))
	}
	// A goal added later is computed from raw events until it is rolled up.
	gq.Goals = append(slices.Clone(storetest.Goals), store.Goal{Name: "About", Page: "/about"})
	if plan, err := s.plan(t.Context(), gq); err != nil || strings.Contains(plan.sql, "rollup_goals") {
		t.Errorf("with a goal not rolled up: %v, reads goal rollups: %v", err, strings.Contains(plan.sql, "rollup_goals"))
	}
}

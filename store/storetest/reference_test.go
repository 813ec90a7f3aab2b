package storetest

import (
	"errors"
	"hash/fnv"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/footfallhq/footfall/store"
)

// The oracle is checked here on a handful of events whose answers were
// worked out by hand, so that it is not merely compared with itself.

func utc(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

// handEvents: visitor 1 has two visits, visitor 2 one, on site 1; one
// event on site 2.
var handEvents = []store.Event{
	{Timestamp: utc("2026-03-01 18:29:00"), SiteID: 1, VisitorID: 1, SessionID: 10, Name: "pageview", Pathname: "/", Country: "DE", Source: ""},
	{Timestamp: utc("2026-03-01 18:29:30"), SiteID: 1, VisitorID: 1, SessionID: 10, Name: "engagement", Pathname: "/", Country: "DE"},
	{Timestamp: utc("2026-03-01 18:30:00"), SiteID: 1, VisitorID: 1, SessionID: 10, Name: "pageview", Pathname: "/Docs/Intro", Country: "DE"},
	{Timestamp: utc("2026-03-01 18:31:00"), SiteID: 1, VisitorID: 1, SessionID: 10, Name: "Signup", Pathname: "/Docs/Intro", Country: "DE"},
	{Timestamp: utc("2026-03-08 06:30:00"), SiteID: 1, VisitorID: 1, SessionID: 11, Name: "pageview", Pathname: "/pricing", Country: "DE", Source: "Google"},
	{Timestamp: utc("2026-03-08 07:30:00"), SiteID: 1, VisitorID: 2, SessionID: 20, Name: "pageview", Pathname: "/", Country: "US", Source: "Google"},
	{Timestamp: utc("2026-03-08 07:31:00"), SiteID: 1, VisitorID: 2, SessionID: 20, Name: "engagement", Pathname: "/", Country: "US", Source: "Google"},
	{Timestamp: utc("2026-03-02 00:00:00"), SiteID: 2, VisitorID: 3, SessionID: 30, Name: "pageview", Pathname: "/"},
}

func TestEvaluate(t *testing.T) {
	all := []string{"visitors", "visits", "pageviews", "events"}
	base := store.Query{SiteID: 1, From: utc("2026-03-01 00:00:00"), To: utc("2026-04-01 00:00:00"), Metrics: all}
	with := func(mod func(*store.Query)) store.Query {
		q := base
		mod(&q)
		return q
	}
	row := func(dims []string, m ...float64) store.Row { return store.Row{Dimensions: dims, Metrics: m} }
	d := func(s ...string) []string { return s }

	tests := []struct {
		name string
		q    store.Query
		want []store.Row
	}{
		{"totals", base, []store.Row{row(d(), 2, 3, 4, 5)}},
		{"range is half-open", with(func(q *store.Query) { q.To = utc("2026-03-08 07:30:00") }), []store.Row{row(d(), 1, 2, 3, 4)}},
		{"unknown site", with(func(q *store.Query) { q.SiteID = 9 }), []store.Row{row(d(), 0, 0, 0, 0)}},
		{"by page, ties by page", with(func(q *store.Query) { q.Dimensions = d("event:page") }), []store.Row{
			row(d("/"), 2, 2, 2, 2), row(d("/Docs/Intro"), 1, 1, 1, 2), row(d("/pricing"), 1, 1, 1, 1),
		}},
		{"engagement forms no group", with(func(q *store.Query) { q.Dimensions = d("event:name") }), []store.Row{
			row(d("pageview"), 2, 3, 4, 4), row(d("Signup"), 1, 1, 0, 1),
		}},
		{"empty string is a value", with(func(q *store.Query) {
			q.Dimensions = d("visit:source")
			q.Filters = []store.Filter{{Op: "is", Dimension: "visit:source", Values: []string{""}}}
		}), []store.Row{row(d(""), 1, 1, 2, 3)}},
		{"contains ignores case", with(func(q *store.Query) {
			q.Filters = []store.Filter{{Op: "contains", Dimension: "event:page", Values: []string{"docs", "zzz"}}}
		}), []store.Row{row(d(), 1, 1, 1, 2)}},
		{"nested", with(func(q *store.Query) {
			q.Filters = []store.Filter{{Op: "not", Children: []store.Filter{{Op: "or", Children: []store.Filter{
				{Op: "is", Dimension: "visit:country", Values: []string{"US"}},
				{Op: "contains_not", Dimension: "event:page", Values: []string{"/"}}, // matches nothing
			}}}}}
		}), []store.Row{row(d(), 1, 2, 3, 4)}},
		{"days in Kolkata", with(func(q *store.Query) {
			q.TimeZone = "Asia/Kolkata"
			q.Metrics = []string{"pageviews"}
			q.Dimensions = d("time:day")
			q.OrderBy = []store.Order{{Key: "time:day"}}
		}), []store.Row{row(d("2026-03-01"), 1), row(d("2026-03-02"), 1), row(d("2026-03-08"), 2)}},
		{"hours across the New York DST change", with(func(q *store.Query) {
			q.TimeZone = "America/New_York"
			q.From = utc("2026-03-08 00:00:00")
			q.Metrics = []string{"pageviews"}
			q.Dimensions = d("time:hour")
		}), []store.Row{row(d("2026-03-08 01:00:00"), 1), row(d("2026-03-08 03:00:00"), 1)}},
		{"weeks start on Monday", with(func(q *store.Query) {
			q.TimeZone = "Asia/Kolkata"
			q.Metrics = []string{"visits"}
			q.Dimensions = d("time:week")
		}), []store.Row{row(d("2026-03-02"), 3), row(d("2026-02-23"), 1)}},
		{"months", with(func(q *store.Query) {
			q.Metrics = []string{"visits"}
			q.Dimensions = d("time:month")
			q.From = utc("2026-01-01 00:00:00")
		}), []store.Row{row(d("2026-03-01"), 3)}},
		{"order by dimension desc, then metric tie", with(func(q *store.Query) {
			q.Metrics = []string{"visitors"}
			q.Dimensions = d("visit:country", "visit:source")
			q.OrderBy = []store.Order{{Key: "visit:source", Desc: true}}
		}), []store.Row{row(d("DE", "Google"), 1), row(d("US", "Google"), 1), row(d("DE", ""), 1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Evaluate(handEvents, tc.q)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			want := store.Result{Rows: tc.want, TotalRows: len(tc.want)}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Evaluate(%+v) (-want +got):\n%s", tc.q, diff)
			}
		})
	}
}

// TestEvaluateVisitsAndGoals checks the session, conversion and share
// metrics on handEvents. Sessions: 10 (visitor 1: "/", "/Docs/Intro",
// Signup; 120 s; exits on /Docs/Intro), 11 (visitor 1: /pricing; 0 s;
// bounced), 20 (visitor 2: "/" and its engagement report; 60 s; bounced).
func TestEvaluateVisitsAndGoals(t *testing.T) {
	goals := []store.Goal{{Name: "Signup", EventName: "Signup"}, {Name: "Docs", Page: "/Docs/**"}, {Name: "Top", Page: "/*"}}
	base := store.Query{SiteID: 1, From: utc("2026-03-01 00:00:00"), To: utc("2026-04-01 00:00:00"), Goals: goals}
	with := func(mod func(*store.Query)) store.Query {
		q := base
		mod(&q)
		return q
	}
	row := func(dims []string, m ...float64) store.Row { return store.Row{Dimensions: dims, Metrics: m} }
	d := func(s ...string) []string { return s }
	signup := store.Filter{Op: "is", Dimension: store.DimGoal, Values: []string{"Signup"}}
	tests := []struct {
		name string
		q    store.Query
		want []store.Row
	}{
		{"session metrics", with(func(q *store.Query) {
			q.Metrics = []string{"views_per_visit", "bounce_rate", "visit_duration"}
		}), []store.Row{row(d(), 1.33, 67, 60)}},
		{"session metrics of sessions with a matching event", with(func(q *store.Query) {
			q.Metrics = []string{"visits", "bounce_rate", "visit_duration"}
			q.Filters = []store.Filter{{Op: "is", Dimension: "event:page", Values: []string{"/"}}}
		}), []store.Row{row(d(), 2, 50, 90)}},
		{"exit pages", with(func(q *store.Query) {
			q.Metrics = []string{"visits", "pageviews"}
			q.Dimensions = d(store.DimExitPage)
		}), []store.Row{row(d("/"), 1, 1), row(d("/Docs/Intro"), 1, 2), row(d("/pricing"), 1, 1)}},
		{"goals", with(func(q *store.Query) {
			q.Metrics = []string{"visitors", "events", "conversion_rate"}
			q.Dimensions = d(store.DimGoal)
		}), []store.Row{row(d("Top"), 2, 3, 100), row(d("Docs"), 1, 1, 50), row(d("Signup"), 1, 1, 50)}},
		{"group conversion rate", with(func(q *store.Query) {
			q.Metrics = []string{"visitors", "group_conversion_rate", "conversion_rate"}
			q.Dimensions = d("visit:country")
			q.Filters = []store.Filter{signup}
		}), []store.Row{row(d("DE"), 1, 100, 50)}},
		{"percentage", with(func(q *store.Query) {
			q.Metrics = []string{"percentage", "visitors"}
			q.Dimensions = d("visit:source")
		}), []store.Row{row(d("Google"), 100, 2), row(d(""), 50, 1)}},
		{"props and none", with(func(q *store.Query) {
			q.Metrics = []string{"events"}
			q.Dimensions = d("event:props:plan")
		}), []store.Row{row(d("(none)"), 5)}},
		{"matches", with(func(q *store.Query) {
			q.Metrics = []string{"pageviews"}
			q.Filters = []store.Filter{{Op: "matches", Dimension: "event:page", Values: []string{"^/[a-z]+$"}}}
		}), []store.Row{row(d(), 1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Evaluate(handEvents, tc.q)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			want := store.Result{Rows: tc.want, TotalRows: len(tc.want)}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Evaluate(%+v) (-want +got):\n%s", tc.q, diff)
			}
		})
	}
}

// TestEvaluatePerformance checks quantiles, bands and page metrics on
// engagement reports of one page. LCP samples 1000, 2600, 3000, 5000:
// nearest ranks 2, 3 and 4 for p50, p75 and p95.
func TestEvaluatePerformance(t *testing.T) {
	t0 := utc("2026-03-02 10:00:00")
	ev := func(sec int, session uint64, name string, lcp uint32, scroll int8, engaged uint32) store.Event {
		return store.Event{Timestamp: t0.Add(time.Duration(sec) * time.Second), SiteID: 1, VisitorID: session, SessionID: session,
			Name: name, Pathname: "/a", LCPms: lcp, ScrollDepth: scroll, EngagementMS: engaged}
	}
	events := []store.Event{
		ev(0, 1, "pageview", 0, -1, 0),
		ev(10, 1, "engagement", 1000, 30, 10_000),
		ev(20, 1, "engagement", 3000, 60, 5000),
		ev(3600, 2, "pageview", 0, -1, 0),
		ev(3610, 2, "engagement", 5000, 90, 20_000),
		ev(7200, 3, "pageview", 0, -1, 0),
		ev(7210, 3, "engagement", 2600, -1, 0),
	}
	q := store.Query{SiteID: 1, From: utc("2026-03-01 00:00:00"), To: utc("2026-04-01 00:00:00"), Dimensions: []string{"event:page"},
		Metrics: []string{"lcp_p50", "lcp_p75", "lcp_p95", "lcp_good", "lcp_needs_improvement", "lcp_poor", "scroll_depth", "time_on_page", "inp_p75"}}
	got, err := Evaluate(events, q)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Result{TotalRows: 1, Rows: []store.Row{{Dimensions: []string{"/a"}, Metrics: []float64{2600, 3000, 5000, 25, 50, 25, 75, 18, 0}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Evaluate (-want +got):\n%s", diff)
	}
}

func TestEvaluatePagination(t *testing.T) {
	q := store.Query{SiteID: 1, From: utc("2026-03-01 00:00:00"), To: utc("2026-04-01 00:00:00"),
		Metrics: []string{"visitors"}, Dimensions: []string{"event:page"}}
	for _, tc := range []struct {
		limit, offset int
		pages         []string
	}{
		{0, 0, []string{"/", "/Docs/Intro", "/pricing"}},
		{2, 0, []string{"/", "/Docs/Intro"}},
		{2, 2, []string{"/pricing"}},
		{0, 1, []string{"/Docs/Intro", "/pricing"}},
		{5, 7, nil},
	} {
		q.Limit, q.Offset = tc.limit, tc.offset
		got, err := Evaluate(handEvents, q)
		if err != nil {
			t.Fatal(err)
		}
		var pages []string
		for _, r := range got.Rows {
			pages = append(pages, r.Dimensions[0])
		}
		if !slices.Equal(pages, tc.pages) || got.TotalRows != 3 {
			t.Errorf("Evaluate(limit %d, offset %d) = %v, total %d; want %v, total 3", tc.limit, tc.offset, pages, got.TotalRows, tc.pages)
		}
	}
}

func TestEvaluateUnknownMetric(t *testing.T) {
	q := store.Query{SiteID: 1, From: utc("2026-03-01 00:00:00"), To: utc("2026-04-01 00:00:00"), Metrics: []string{"bounce"}}
	if _, err := Evaluate(handEvents, q); !errors.Is(err, store.ErrUnsupported) {
		t.Errorf("Evaluate(metric bounce) = %v, want ErrUnsupported", err)
	}
}

// TestDatasetStable pins the generator: if this fails, every golden
// result changes too, so change the generator only on purpose and
// rewrite the golden file in the same commit.
func TestDatasetStable(t *testing.T) {
	a := Dataset(eventsSeed, 2000, eventsFrom, 7)
	b := Dataset(eventsSeed, 2000, eventsFrom, 7)
	if !cmp.Equal(a, b) {
		t.Fatal("Dataset is not deterministic")
	}
	h := fnv.New64a()
	for _, e := range a {
		h.Write([]byte(e.Timestamp.Format(time.RFC3339Nano) + e.Name + e.Pathname + e.Source + e.City + e.Browser))
		h.Write([]byte{byte(e.VisitorID), byte(e.SessionID), byte(e.LCPms), byte(e.ScrollDepth)})
	}
	const want = 0x1091f86d32308082
	if got := h.Sum64(); got != want {
		t.Errorf("Dataset fingerprint = %#x, want %#x", got, uint64(want))
	}
}

func TestDatasetShape(t *testing.T) {
	events := Dataset(1, 10_000, eventsFrom, 30)
	if len(events) != 10_000 {
		t.Fatalf("len(Dataset(n=10000)) = %d", len(events))
	}
	if !slices.IsSortedFunc(events, func(a, b store.Event) int { return a.Timestamp.Compare(b.Timestamp) }) {
		t.Error("Dataset is not sorted by time")
	}
	names := map[string]int{}
	sites := map[int64]int{}
	sessions := map[uint64]bool{}
	var vitals, timings, revenue, props int
	for _, e := range events {
		names[e.Name]++
		sites[e.SiteID]++
		sessions[e.SessionID] = true
		if e.Timestamp.Before(eventsFrom) || e.Timestamp.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("event at %v: before the start or not whole milliseconds", e.Timestamp)
		}
		if e.LCPms > 0 {
			vitals++
		}
		if e.DNSms > 0 {
			timings++
		}
		if e.RevenueAmount > 0 {
			revenue++
		}
		if len(e.Props) > 0 {
			props++
		}
	}
	perSession := float64(len(events)) / float64(len(sessions))
	if names["pageview"] < 4000 || names["engagement"] < 2000 || len(names) < 5 || len(sites) != 3 ||
		sites[1] < sites[2] || sites[2] < sites[3] || vitals == 0 || timings == 0 || revenue == 0 || props == 0 ||
		perSession < 2 || perSession > 6 {
		t.Errorf("Dataset looks unrealistic: names %v, sites %v, %.1f events/visit, vitals %d, timings %d, revenue %d, props %d",
			names, sites, perSession, vitals, timings, revenue, props)
	}
}

func TestEvaluateFunnel(t *testing.T) {
	q := store.FunnelQuery{SiteID: 1, From: utc("2026-03-01 00:00:00"), To: utc("2026-04-01 00:00:00"),
		Steps: []store.Goal{{Page: "/"}, {Page: "/Docs/*"}, {EventName: "Signup"}}}
	got, err := EvaluateFunnel(handEvents, q)
	if err != nil {
		t.Fatal(err)
	}
	// Visitor 1 goes / → /Docs/Intro → Signup in session 10; visitor 2
	// only views "/".
	if want := []int64{2, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("EvaluateFunnel = %v, want %v", got, want)
	}
	q.Steps = []store.Goal{{EventName: "Signup"}, {Page: "/"}} // order matters
	if got, _ := EvaluateFunnel(handEvents, q); !slices.Equal(got, []int64{1, 0}) {
		t.Errorf("EvaluateFunnel(reversed) = %v, want [1 0]", got)
	}
}

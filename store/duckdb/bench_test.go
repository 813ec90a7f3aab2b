package duckdb_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/storetest"
)

// The benchmark workload of DESIGN §8: one site, 30 days, Zipf over 2,000
// paths. Run with -benchtime=1x for the million-event benchmarks, e.g.
//
//	go test ./store/duckdb -run '^$' -bench 'Storage|Query' -benchtime=1x
//	go test ./store/duckdb -run '^$' -bench Append
var (
	benchFrom = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	benchGen  = storetest.Generator{Seed: 1, Sites: 1, Paths: 2000}
)

const benchEvents = 1_000_000

// benchData is generated once per test binary: it takes seconds.
var benchData = sync.OnceValue(func() []store.Event {
	return benchGen.Events(benchEvents, benchFrom, 30)
})

// loadBench appends events in time order, in the batches the ingest
// batcher writes, and checkpoints so the data is compressed on disk.
func loadBench(b *testing.B, s *duckdb.Store, events []store.Event) {
	b.Helper()
	const batch = 10_000
	for i := 0; i < len(events); i += batch {
		if err := s.Append(b.Context(), events[i:min(i+batch, len(events))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Checkpoint(b.Context()); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{100, 1000, 10_000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			const batches = 50
			events := benchGen.Events(size*batches, benchFrom, 30)
			s := open(b, filepath.Join(b.TempDir(), "events.duckdb"))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				i := n % batches * size
				if err := s.Append(b.Context(), events[i:i+size]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n*size)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkStorage reports the on-disk bytes per event of a checkpointed
// database of a million events (target ≤ 25, DESIGN §8), for two mixes:
// full (engagement reports, web vitals and timings as the Footfall tracker
// sends them) and lean (pageviews and custom events only, the mix of the
// §8 peer figures).
func BenchmarkStorage(b *testing.B) {
	for _, mix := range []struct {
		name   string
		events func() []store.Event
	}{
		{"full", benchData},
		{"lean", func() []store.Event {
			g := benchGen
			g.Lean = true
			return g.Events(benchEvents, benchFrom, 30)
		}},
	} {
		b.Run("mix="+mix.name, func(b *testing.B) {
			events := mix.events()
			var size int64
			for b.Loop() {
				s := open(b, filepath.Join(b.TempDir(), "events.duckdb"))
				loadBench(b, s, events)
				var err error
				if size, err = s.Size(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size)/float64(len(events)), "bytes/event")
			b.ReportMetric(float64(size)/(1<<20), "MiB")
		})
	}
}

// BenchmarkQuery times dashboard panels over a million events of one site.
func BenchmarkQuery(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "events.duckdb"))
	loadBench(b, s, benchData())
	month := func(q store.Query) store.Query {
		q.SiteID, q.From, q.To = 1, benchFrom, benchFrom.AddDate(0, 0, 30)
		return q
	}
	all := []string{"visitors", "visits", "pageviews", "events"}
	for _, c := range []struct {
		name string
		q    store.Query
	}{
		{"totals", month(store.Query{Metrics: all})},
		{"pages", month(store.Query{Metrics: []string{"visitors", "pageviews"}, Dimensions: []string{"event:page"}, Limit: 10})},
		{"sources", month(store.Query{Metrics: []string{"visitors"}, Dimensions: []string{"visit:source"}, Limit: 10})},
		{"days", month(store.Query{Metrics: []string{"visitors", "pageviews"}, Dimensions: []string{"time:day"}, TimeZone: "America/New_York"})},
		{"hours-2d", store.Query{SiteID: 1, From: benchFrom.AddDate(0, 0, 6), To: benchFrom.AddDate(0, 0, 8),
			Metrics: []string{"visitors", "pageviews"}, Dimensions: []string{"time:hour"}, TimeZone: "America/New_York"}},
		{"pages-filtered", month(store.Query{Metrics: []string{"visitors", "pageviews"}, Dimensions: []string{"event:page"}, Limit: 10,
			Filters: []store.Filter{{Op: "is", Dimension: "visit:country", Values: []string{"DE"}}}})},
		{"pages-contains", month(store.Query{Metrics: []string{"visitors", "pageviews"}, Dimensions: []string{"event:page"}, Limit: 10,
			Filters: []store.Filter{{Op: "contains", Dimension: "event:page", Values: []string{"DOCS"}}}})},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Query(b.Context(), c.q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
		})
	}
}

// BenchmarkDashboard times one full dashboard view (query.DashboardQueries,
// run one after another) over a million events of one site, unfiltered
// and with one filter: first on raw events, then with the settled days
// rolled up, as a running server has them. ms/view is DESIGN §8's figure.
func BenchmarkDashboard(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "events.duckdb"))
	loadBench(b, s, benchData())
	to := benchFrom.AddDate(0, 0, 30)
	variants := []struct {
		name    string
		filters []store.Filter
	}{
		{"all", nil},
		{"country", []store.Filter{{Op: "is", Dimension: "visit:country", Values: []string{"DE"}}}},
		{"page", []store.Filter{{Op: "is", Dimension: "event:page", Values: []string{"/pricing"}}}},
	}
	run := func(stage string) {
		for _, v := range variants {
			qs := query.DashboardQueries(1, benchFrom, to, "Europe/Berlin", v.filters, storetest.Goals)
			b.Run(stage+"/"+v.name, func(b *testing.B) {
				per := make([]time.Duration, len(qs))
				for b.Loop() {
					for i, q := range qs {
						start := time.Now()
						if _, err := s.Query(b.Context(), q.Query); err != nil {
							b.Fatalf("%s: %v", q.Name, err)
						}
						per[i] += time.Since(start)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/view")
				for i, q := range qs {
					b.Logf("%-16s %6.1f ms", q.Name, per[i].Seconds()*1000/float64(b.N))
				}
			})
		}
	}
	run("raw")
	if _, err := s.Rollup(b.Context(), to.AddDate(0, 0, 3)); err != nil {
		b.Fatal(err)
	}
	run("rolled")
}

package query_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/sqlite"
	"github.com/footfallhq/footfall/store/storetest"
)

// fixture is a service over real stores holding storetest's dataset for
// March 2026 on site 1 ("example1.com", Berlin time).
type fixture struct {
	svc    *query.Service
	events *duckdb.Store
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := db.CreateSite(ctx, store.Site{Domain: "example" + string(rune('0'+i)) + ".com", TimeZone: "Europe/Berlin"}); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := duckdb.Open(ctx, "", duckdb.Options{Threads: 2, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := ev.Append(ctx, storetest.Dataset(7, 20_000, from, 31)); err != nil {
		t.Fatal(err)
	}
	f := &fixture{events: ev, now: time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)}
	f.svc = &query.Service{
		Sites: db, Events: ev, Cache: query.NewCache(100),
		Goals: func(ctx context.Context, siteID int64) ([]store.Goal, error) { return storetest.Goals, nil },
		Now:   func() time.Time { return f.now },
	}
	return f
}

func (f *fixture) run(t *testing.T, body string) query.Response {
	t.Helper()
	res, err := f.svc.Run(t.Context(), []byte(body), func(store.Site) bool { return true })
	if err != nil {
		t.Fatalf("Run(%s): %v", body, err)
	}
	return res
}

func TestComparisonPreviousPeriod(t *testing.T) {
	f := newFixture(t)
	res := f.run(t, `{"site_id":"example1.com","metrics":["visitors","bounce_rate"],"date_range":["2026-03-15","2026-03-28"],
		"dimensions":["time:day"],"include":{"comparisons":{"mode":"previous_period"},"time_labels":true}}`)
	labels := res.Meta["time_labels"].([]string)
	if len(labels) != 14 || labels[0] != "2026-03-15" || labels[13] != "2026-03-28" {
		t.Fatalf("time_labels = %v", labels)
	}
	if got := res.Query["comparison_date_range"].([]string); got[0] != "2026-03-01T00:00:00+01:00" || got[1] != "2026-03-14T23:59:59+01:00" {
		t.Errorf("comparison_date_range = %v", got)
	}
	// Each day compares with the day two weeks before, which the same
	// service answers on its own.
	for _, r := range res.Results {
		c := r.Comparison
		if c == nil {
			t.Fatalf("row %v has no comparison", r.Dimensions)
		}
		day, _ := time.Parse(time.DateOnly, r.Dimensions[0])
		prev := day.AddDate(0, 0, -14).Format(time.DateOnly)
		if c.Dimensions[0] != prev {
			t.Errorf("row %s compared with %s, want %s", r.Dimensions[0], c.Dimensions[0], prev)
		}
		alone := f.run(t, `{"site_id":"example1.com","metrics":["visitors","bounce_rate"],"date_range":["`+prev+`","`+prev+`"]}`)
		if m := alone.Results[0].Metrics; m[0] != c.Metrics[0] || m[1] != c.Metrics[1] {
			t.Errorf("comparison of %s = %v, the day alone = %v", r.Dimensions[0], c.Metrics, m)
		}
		want := 0.0
		if c.Metrics[0] != 0 {
			want = float64(int((r.Metrics[0]-c.Metrics[0])/c.Metrics[0]*100 + 0.5*sign(r.Metrics[0]-c.Metrics[0])))
		}
		if c.Change[0] != want || c.Change[1] != round1(r.Metrics[1]-c.Metrics[1]) {
			t.Errorf("change of %s = %v (now %v, then %v)", r.Dimensions[0], c.Change, r.Metrics, c.Metrics)
		}
	}
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

func round1(x float64) float64 { return float64(int(x*10+0.5*sign(x))) / 10 }

func TestTimeIsPickedFromTheRange(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		dateRange    string
		label, first string // first label, first bucket with data
	}{
		{`["2026-03-10","2026-03-10"]`, "2026-03-10 00:00:00", "2026-03-10 00:00:00"},
		{`["2026-03-01","2026-03-31"]`, "2026-03-01", "2026-03-01"},
		{`"year"`, "2026-01-01", "2026-03-01"},
	} {
		f.now = time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
		res := f.run(t, `{"site_id":"example1.com","metrics":["pageviews"],"date_range":`+tc.dateRange+`,"dimensions":["time"],"order_by":[["time","asc"]],"include":{"time_labels":true}}`)
		if len(res.Results) == 0 || res.Results[0].Dimensions[0] != tc.first {
			t.Errorf("%s: first bucket %v, want %s", tc.dateRange, res.Results, tc.first)
		}
		if res.Meta["time_labels"].([]string)[0] != tc.label {
			t.Errorf("%s: first label %v", tc.dateRange, res.Meta["time_labels"])
		}
		if got := res.Query["dimensions"].([]string); got[0] != "time" {
			t.Errorf("query echo dimensions = %v, want the request's", got)
		}
	}
}

func TestCountryNamesAndGoals(t *testing.T) {
	f := newFixture(t)
	f.now = time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	res := f.run(t, `{"site_id":"example1.com","metrics":["visitors"],"date_range":"month","dimensions":["visit:country_name"],"filters":[["is","visit:country",["DE","GB"]]]}`)
	var names []string
	for _, r := range res.Results {
		names = append(names, r.Dimensions[0])
	}
	if strings.Join(names, ",") != "Germany,United Kingdom" && strings.Join(names, ",") != "United Kingdom,Germany" {
		t.Errorf("country names = %v", names)
	}
	res = f.run(t, `{"site_id":"example1.com","metrics":["visitors","conversion_rate"],"date_range":"month","dimensions":["event:goal"]}`)
	if len(res.Results) < 4 {
		t.Errorf("goal breakdown has %d rows: %+v", len(res.Results), res.Results)
	}
}

func TestCacheInvalidatedByNewEvents(t *testing.T) {
	f := newFixture(t)
	body := `{"site_id":"example1.com","metrics":["pageviews"],"date_range":"month"}`
	f.now = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	before := f.run(t, body).Results[0].Metrics[0]
	past := f.run(t, `{"site_id":"example1.com","metrics":["pageviews"],"date_range":["2026-03-01","2026-03-10"]}`).Results[0].Metrics[0]
	if n := f.svc.Cache.Len(); n != 2 {
		t.Fatalf("cache holds %d answers, want 2", n)
	}
	e := store.Event{Timestamp: f.now, SiteID: 1, VisitorID: 1, SessionID: 1, Name: "pageview", Pathname: "/new", ScrollDepth: -1}
	if err := f.events.Append(t.Context(), []store.Event{e}); err != nil {
		t.Fatal(err)
	}
	if got := f.run(t, body).Results[0].Metrics[0]; got != before {
		t.Fatalf("without invalidation the cached answer should stand: %v, want %v", got, before)
	}
	f.svc.Cache.Stored([]store.Event{e})
	if got := f.run(t, body).Results[0].Metrics[0]; got != before+1 {
		t.Errorf("after Stored: pageviews %v, want %v", got, before+1)
	}
	if got := f.run(t, `{"site_id":"example1.com","metrics":["pageviews"],"date_range":["2026-03-01","2026-03-10"]}`).Results[0].Metrics[0]; got != past {
		t.Errorf("an earlier range changed: %v, want %v", got, past)
	}
	if n := f.svc.Cache.Len(); n != 2 {
		t.Errorf("cache holds %d answers, want 2 (the past range kept, the month recomputed)", n)
	}
}

func TestServiceRejects(t *testing.T) {
	f := newFixture(t)
	for _, body := range []string{
		`{"site_id":"example1.com","metrics":["conversion_rate"],"date_range":"7d"}`,
		`{"site_id":"example1.com","metrics":["bounce_rate"],"date_range":"7d","dimensions":["event:page"]}`,
		`{"site_id":"example1.com","metrics":["visitors"],"date_range":"7d","filters":[["is","event:goal",["Nope"]]]}`,
		`{"site_id":"example1.com","metrics":["visitors"],"date_range":"7d","filters":[["matches","event:page",["(unclosed"]]]}`,
		`{"site_id":"example1.com","metrics":["visitors"],"date_range":"7d","filters":[["matches","event:page",["` + strings.Repeat("a", 600) + `"]]]}`,
		`{"site_id":"example1.com","metrics":["visitors"],"date_range":"7d","filters":[["contains","event:page",["a"],{"case_sensitive":true}]]}`,
		`{"site_id":"example1.com","metrics":["visitors"],"date_range":"7d","filters":[["is","visit:country_name",["Germany"]]]}`,
		`{"site_id":"example1.com","metrics":["visitors"],"date_range":"7d","include":{"comparisons":{"mode":"sideways"}}}`,
		`{"site_id":"example1.com","metrics":["lcp_p99"],"date_range":"7d"}`,
		`{"site_id":"example1.com","metrics":["visitors"],"date_range":"7d","dimensions":["event:props:"]}`,
	} {
		_, err := f.svc.Run(t.Context(), []byte(body), func(store.Site) bool { return true })
		var ie *query.InputError
		if !errors.As(err, &ie) {
			t.Errorf("Run(%s) = %v, want an InputError", body, err)
		} else if !json.Valid([]byte(`"`+ie.Message+`"`)) && ie.Message == "" {
			t.Errorf("Run(%s): empty message", body)
		}
	}
}

package query

import (
	"errors"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/google/go-cmp/cmp"
)

func TestResolveDateRanges(t *testing.T) {
	site := store.Site{ID: 1, Domain: "example.com", TimeZone: "Europe/Berlin"}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 11, 23, 0, 30, 0, 0, berlin) // 23:30 UTC the day before
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, berlin).UTC() }
	tests := []struct {
		dateRange string
		from, to  time.Time
	}{
		{`"day"`, day(2026, 11, 23), day(2026, 11, 24)},
		{`"7d"`, day(2026, 11, 16), day(2026, 11, 23)},
		{`"30d"`, day(2026, 10, 24), day(2026, 11, 23)},
		{`"month"`, day(2026, 11, 1), day(2026, 12, 1)},
		{`"6mo"`, day(2026, 6, 1), day(2026, 12, 1)},
		{`"year"`, day(2026, 1, 1), day(2027, 1, 1)},
		{`"24h"`, now.Add(-24 * time.Hour).UTC(), now.UTC()},
		{`["2026-11-01", "2026-11-02"]`, day(2026, 11, 1), day(2026, 11, 3)},
		{`["2026-11-01T10:00:00+01:00", "2026-11-01T11:59:59+01:00"]`, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 11, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		r, err := Parse([]byte(`{"site_id":"example.com","metrics":["visitors"],"date_range":` + tt.dateRange + `}`))
		if err != nil {
			t.Fatal(err)
		}
		q, err := Resolve(r, site, now, nil)
		if err != nil {
			t.Fatalf("Resolve(%s) = %v", tt.dateRange, err)
		}
		if !q.From.Equal(tt.from) || !q.To.Equal(tt.to) {
			t.Errorf("Resolve(%s) = [%v, %v), want [%v, %v)", tt.dateRange, q.From, q.To, tt.from, tt.to)
		}
		if q.TimeZone != "Europe/Berlin" {
			t.Errorf("Resolve(%s).TimeZone = %q", tt.dateRange, q.TimeZone)
		}
	}
}

func TestResolveFilters(t *testing.T) {
	body := `{"site_id":"example.com","metrics":["visitors","pageviews"],"date_range":"all","dimensions":["event:page"],
		"filters":[["is","visit:country",["DE","FR"]],["not",["contains","event:page",["/admin"]]],["or",[["is","visit:source",["Google"]],["is_not","visit:device",["mobile"]]]]],
		"order_by":[["pageviews","desc"]],"pagination":{"limit":5,"offset":10}}`
	r, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	q, err := Resolve(r, store.Site{ID: 3}, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Filter{
		{Op: "is", Dimension: "visit:country", Values: []string{"DE", "FR"}},
		{Op: "not", Children: []store.Filter{{Op: "contains", Dimension: "event:page", Values: []string{"/admin"}}}},
		{Op: "or", Children: []store.Filter{
			{Op: "is", Dimension: "visit:source", Values: []string{"Google"}},
			{Op: "is_not", Dimension: "visit:device", Values: []string{"mobile"}},
		}},
	}
	if diff := cmp.Diff(want, q.Filters); diff != "" {
		t.Errorf("filters (-want +got):\n%s", diff)
	}
	if q.Limit != 5 || q.Offset != 10 || len(q.OrderBy) != 1 || !q.OrderBy[0].Desc {
		t.Errorf("Resolve = %+v", q)
	}
}

func TestRejects(t *testing.T) {
	tests := []string{
		`nope`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":"7d","bogus":1}`,
		`{"metrics":["visitors"],"date_range":"7d"}`,
		`{"site_id":"example.com","date_range":"7d"}`,
		`{"site_id":"example.com","metrics":["visitors"]}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":"fortnight"}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":["2026-01-02","2026-01-01"]}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":["yesterday","today"]}`,
		`{"site_id":"example.com","metrics":["hugs"],"date_range":"7d"}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":"7d","dimensions":["visit:shoe_size"]}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":"7d","filters":[["is","visit:country","DE"]]}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":"7d","filters":[["resembles","visit:country",["DE"]]]}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":"7d","order_by":[["pageviews","desc"]]}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":"7d","pagination":{"limit":0}}`,
		`{"site_id":"example.com","metrics":["visitors"],"date_range":"7d","filters":[` + nested(20) + `]}`,
	}
	for _, body := range tests {
		r, err := Parse([]byte(body))
		if err == nil {
			_, err = Resolve(r, store.Site{ID: 1, TimeZone: "UTC"}, time.Now(), nil)
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("Parse+Resolve(%s) = %v, want an InputError", body, err)
		}
	}
}

func nested(n int) string {
	s := `["is","visit:country",["DE"]]`
	for range n {
		s = `["not",` + s + `]`
	}
	return s
}

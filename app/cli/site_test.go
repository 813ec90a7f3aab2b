package cli

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store/open"
)

// TestSiteAdd checks that site add takes domains and time zones as the
// Sites API does (both go through app/sites).
func TestSiteAdd(t *testing.T) {
	runSteps(t, t.TempDir(), []cliStep{
		{[]string{"site", "add", "https://www.Example.com/"}, 0, []string{"added example.com (time zone UTC)"}},
		{[]string{"site", "add", "tokyo.example", "--timezone", "Asia/Tokyo"}, 0, []string{"added tokyo.example (time zone Asia/Tokyo)"}},
		{[]string{"site", "add", "example.com"}, 1, []string{"site example.com already exists"}},
		{[]string{"site", "add", "example"}, 2, []string{`"example" is not a domain like example.com`}},
		{[]string{"site", "add", "mars.example", "--timezone", "Mars/Olympus"}, 2, []string{`unknown time zone "Mars/Olympus"`}},
		{[]string{"site", "add", "local.example", "--timezone", "Local"}, 2, []string{`unknown time zone "Local"`}},
		{[]string{"site", "list"}, 0, []string{"example.com", "tokyo.example"}},
	})
}

// TestSiteRemoveDeletesEvents: removing a site from the command line
// deletes its events too, as the Sites API's DELETE does, and leaves the
// other sites' alone.
func TestSiteRemoveDeletesEvents(t *testing.T) {
	dir := t.TempDir()
	runSteps(t, dir, []cliStep{
		{[]string{"site", "add", "gone.example"}, 0, nil},
		{[]string{"site", "add", "kept.example"}, 0, nil},
		{[]string{"seed", "--site", "gone.example", "--events", "300", "--days", "3"}, 0, []string{"seeded 300 events"}},
		{[]string{"seed", "--site", "kept.example", "--events", "200", "--days", "3"}, 0, []string{"seeded 200 events"}},
		{[]string{"site", "remove", "gone.example"}, 0, []string{"removed gone.example and its 300 events"}},
		{[]string{"site", "remove", "gone.example"}, 1, []string{"no site gone.example"}},
		{[]string{"site", "list"}, 0, []string{"kept.example"}},
	})
	events, err := open.Events(t.Context(), "duckdb://"+filepath.Join(dir, "events.duckdb"), open.EventsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	for site, want := range map[int64]int64{1: 0, 2: 200} {
		n, err := events.Count(t.Context(), site, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("site %d has %d events after removing site 1, want %d", site, n, want)
		}
	}
}

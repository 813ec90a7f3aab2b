package cli

import (
	"encoding/json"
	"testing"
)

func TestBenchQuery(t *testing.T) {
	dir := t.TempDir()
	runSteps(t, dir, []cliStep{
		{[]string{"site", "add", "bench.example", "--timezone", "Europe/Berlin"}, 0, nil},
		{[]string{"goal", "add", "--site", "bench.example", "--event", "Signup"}, 0, nil},
		{[]string{"seed", "--site", "bench.example", "--events", "5000", "--days", "10"}, 0, []string{"seeded 5000 events"}},
		{[]string{"bench", "query"}, 2, []string{"--site is required"}},
		{[]string{"bench", "query", "--site", "bench.example", "--filter", "visit:shoe=9"}, 2, []string{"known dimension"}},
		{[]string{"bench", "query", "--site", "nope.example"}, 1, []string{"nope.example"}},
	})
	code, out, errOut := runCLI(t, dir, "bench", "query", "--site", "bench.example", "--runs", "2", "--filter", "visit:device=desktop", "--json")
	if code != 0 {
		t.Fatalf("bench query = exit %d: %s", code, errOut)
	}
	var r struct {
		Events int64
		View   float64 `json:"view_median_ms"`
		Panels []struct {
			Panel  string
			Median float64 `json:"median_ms"`
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("bench query --json: %v\n%s", err, out)
	}
	if r.Events < 4000 || r.View <= 0 || len(r.Panels) != 16 {
		t.Errorf("report = %+v, want the seeded events, a view time and 16 panels (goals included)", r)
	}
}

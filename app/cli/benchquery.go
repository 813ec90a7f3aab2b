package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/open"
)

// benchQuery times full dashboard views (query.DashboardQueries) straight
// against the events store of the data directory: no HTTP, no result
// cache, so every view is computed afresh (DESIGN §8's "cold cache").
func benchQuery(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "bench query", &cfg)
	site := fs.String("site", "", "site domain (required)")
	days := fs.Int("days", 30, "length of the range, ending at the newest event")
	runs := fs.Int("runs", 5, "views to time; the median is reported")
	var filters []string
	fs.Func("filter", "DIMENSION=VALUE filter applied to every panel (repeatable), e.g. visit:country=DE", func(s string) error {
		filters = append(filters, s)
		return nil
	})
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	explain := fs.Bool("explain", false, "print each panel's query plan with its profile (events stores that can explain), then time the views")
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	if *site == "" || *days <= 0 || *runs <= 0 {
		return usagef("--site is required; --days and --runs must be positive")
	}
	var fl []store.Filter
	for _, f := range filters {
		dim, val, ok := strings.Cut(f, "=")
		if !ok || !store.IsDimension(dim) {
			return usagef("--filter %q: want DIMENSION=VALUE with a known dimension, e.g. visit:country=DE", f)
		}
		fl = append(fl, store.Filter{Op: "is", Dimension: dim, Values: []string{val}})
	}

	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	s, err := a.DB.SiteByDomain(ctx, strings.ToLower(*site))
	if err != nil {
		return fmt.Errorf("site %q: %w", *site, err)
	}
	stored, err := a.DB.ListGoals(ctx, s.ID)
	if err != nil {
		return err
	}
	goals := make([]store.Goal, len(stored))
	for i, g := range stored {
		goals[i] = g.Goal
	}
	events, err := open.Events(ctx, cfg.EventsURL, open.EventsOptions{MemoryLimit: cfg.DuckDBMemoryLimit, Threads: cfg.DuckDBThreads})
	if err != nil {
		return err
	}
	defer events.Close()

	// The range: whole days in the site's zone, ending after the newest
	// event, so a seeded dataset is covered however old it is.
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "" {
		loc = time.UTC
	}
	newest, err := newestEvent(ctx, events, s.ID)
	if err != nil {
		return err
	}
	n := newest.In(loc)
	to := time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, loc)
	from := to.AddDate(0, 0, -*days)
	panels := query.DashboardQueries(s.ID, from.UTC(), to.UTC(), loc.String(), fl, goals)
	for _, p := range panels {
		if err := p.Query.Validate(); err != nil {
			return usagef("%s: %v", p.Name, err)
		}
	}

	if *explain {
		ex, ok := events.(explainer)
		if !ok {
			return usagef("--explain: the events store %T cannot explain its queries", events)
		}
		for _, p := range panels {
			plan, err := ex.Explain(ctx, p.Query)
			if err != nil {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
			fmt.Fprintf(e.Stdout, "=== %s\n%s\n", p.Name, plan)
		}
	}

	// Wall time depends on what else the machine runs; the process's CPU
	// time (every DuckDB thread included) is comparable across runs on a
	// busy machine.
	times := make([][]time.Duration, len(panels))
	cpus := make([][]time.Duration, len(panels))
	var views, viewCPUs []time.Duration
	for range *runs {
		start, cpu0 := time.Now(), cpuTime()
		for i, p := range panels {
			t0, c0 := time.Now(), cpuTime()
			if _, err := events.Query(ctx, p.Query); err != nil {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
			times[i] = append(times[i], time.Since(t0))
			cpus[i] = append(cpus[i], cpuTime()-c0)
		}
		views = append(views, time.Since(start))
		viewCPUs = append(viewCPUs, cpuTime()-cpu0)
	}
	count, err := events.Count(ctx, s.ID, from, to)
	if err != nil {
		return err
	}

	type row struct {
		Panel  string  `json:"panel"`
		Median float64 `json:"median_ms"`
		CPU    float64 `json:"cpu_median_ms"`
	}
	report := struct {
		Site    string   `json:"site"`
		From    string   `json:"from"`
		To      string   `json:"to"`
		Events  int64    `json:"events"`
		Filters []string `json:"filters"`
		Runs    int      `json:"runs"`
		View    float64  `json:"view_median_ms"`
		ViewCPU float64  `json:"view_cpu_median_ms"`
		Load    float64  `json:"load_average,omitempty"`
		Panels  []row    `json:"panels"`
	}{s.Domain, from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly), count, filters, *runs,
		ms(median(views)), ms(median(viewCPUs)), loadAverage(), nil}
	for i, p := range panels {
		report.Panels = append(report.Panels, row{p.Name, ms(median(times[i])), ms(median(cpus[i]))})
	}
	if *jsonOut {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	fmt.Fprintf(e.Stdout, "%s, %s to %s, %d events, filters %v: full dashboard view %.1f ms, %.1f ms CPU (medians of %d; load average %.1f)\n",
		report.Site, report.From, report.To, report.Events, filters, report.View, report.ViewCPU, *runs, report.Load)
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range report.Panels {
		fmt.Fprintf(tw, "%s\t%.1f ms\t%.1f ms CPU\t\n", r.Panel, r.Median, r.CPU)
	}
	return tw.Flush()
}

// newestEvent finds the newest event of a site by asking for its latest
// day with events over everything.
func newestEvent(ctx context.Context, ev store.Events, site int64) (time.Time, error) {
	q := store.Query{SiteID: site, From: time.Unix(0, 0), To: time.Now().AddDate(1, 0, 0), Metrics: []string{"events"},
		Dimensions: []string{"time:day"}, OrderBy: []store.Order{{Key: "time:day", Desc: true}}, Limit: 1}
	res, err := ev.Query(ctx, q)
	if err != nil {
		return time.Time{}, fmt.Errorf("find the newest event: %w", err)
	}
	if len(res.Rows) == 0 {
		return time.Time{}, fmt.Errorf("the site has no events: seed some with `footfall seed`")
	}
	return time.Parse(time.DateOnly, res.Rows[0].Dimensions[0])
}

// explainer is implemented by events stores that can show how they run a
// query (DuckDB: EXPLAIN ANALYZE of the compiled statement).
type explainer interface {
	Explain(ctx context.Context, q store.Query) (string, error)
}

// cpuTime returns the CPU time, user and system, the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage returns the one-minute load average, 0 where unknown: the
// wall times mean little without it on a shared machine.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

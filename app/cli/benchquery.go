package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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

	times := make([][]time.Duration, len(panels))
	var views []time.Duration
	for range *runs {
		start := time.Now()
		for i, p := range panels {
			t0 := time.Now()
			if _, err := events.Query(ctx, p.Query); err != nil {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
			times[i] = append(times[i], time.Since(t0))
		}
		views = append(views, time.Since(start))
	}
	count, err := events.Count(ctx, s.ID, from, to)
	if err != nil {
		return err
	}

	type row struct {
		Panel  string  `json:"panel"`
		Median float64 `json:"median_ms"`
	}
	report := struct {
		Site    string   `json:"site"`
		From    string   `json:"from"`
		To      string   `json:"to"`
		Events  int64    `json:"events"`
		Filters []string `json:"filters"`
		Runs    int      `json:"runs"`
		View    float64  `json:"view_median_ms"`
		Panels  []row    `json:"panels"`
	}{s.Domain, from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly), count, filters, *runs, ms(median(views)), nil}
	for i, p := range panels {
		report.Panels = append(report.Panels, row{p.Name, ms(median(times[i]))})
	}
	if *jsonOut {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	fmt.Fprintf(e.Stdout, "%s, %s to %s, %d events, filters %v: full dashboard view %.1f ms (median of %d)\n",
		report.Site, report.From, report.To, report.Events, filters, report.View, *runs)
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range report.Panels {
		fmt.Fprintf(tw, "%s\t%.1f ms\t\n", r.Panel, r.Median)
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

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/footfallhq/footfall/app/query"
	"github.com/footfallhq/footfall/store"
)

// Stats is the stats engine (query.Service).
type Stats interface {
	Run(ctx context.Context, body []byte, allowed func(store.Site) bool) (query.Response, error)
}

// Report is what one report email shows.
type Report struct {
	Site    string
	Period  Period
	Figures []Figure
	// Series is visitors per day (per hour in a daily report), zeros
	// included, for the chart.
	Series      []Point
	Pages       []Row
	Sources     []Row
	Countries   []Row
	Goals       []GoalRow
	Vitals      []Vital
	Regressions int // vitals that got worse enough to flag

	DashboardURL   string
	ChartURL       string // the chart as a PNG, by a signed link; "" for none
	UnsubscribeURL string
	Recipient      string
}

// Figure is a headline number with its change against the period before.
type Figure struct {
	Name     string // "Unique visitors"
	Value    string // formatted
	Change   string // "+12%", "−3.1 pts", "no change"
	Better   bool   // the change is good news
	Worse    bool   // the change is bad news
	RawValue float64
}

// Point is one bucket of the chart.
type Point struct {
	Label    string
	Visitors float64
}

// Row is a line of a top-N list.
type Row struct {
	Name     string
	Visitors int64
}

// GoalRow is a goal's conversions.
type GoalRow struct {
	Name        string
	Conversions int64   // unique visitors who converted
	Rate        float64 // conversion rate, percent
}

// Vital is a Core Web Vital's p75 now and the period before.
type Vital struct {
	Name      string // "LCP"
	Value     string
	Previous  string
	Rating    string // good, needs improvement, poor; "" without data
	Regressed bool   // worse by RegressionPercent or more, or newly poor
}

// RegressionPercent is how much worse a vital's p75 must get against the
// period before to be flagged as a regression.
const RegressionPercent = 10

// Builder builds reports through the stats engine.
type Builder struct {
	Stats   Stats
	BaseURL string
	Tokens  Tokens
}

func all(store.Site) bool { return true }

func (b *Builder) run(ctx context.Context, req map[string]any) (query.Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return query.Response{}, err
	}
	res, err := b.Stats.Run(ctx, body, all)
	if err != nil {
		return query.Response{}, fmt.Errorf("reports: query %s: %w", body, err)
	}
	return res, nil
}

func dateRange(p Period) []string {
	return []string{p.From.Format(time.DateOnly), p.Last().Format(time.DateOnly)}
}

// Build returns the report of site for period p; withGoals says whether
// the site has goals (a goal breakdown of a site without any is refused).
func (b *Builder) Build(ctx context.Context, site store.Site, p Period, withGoals bool) (Report, error) {
	r := Report{Site: site.Domain, Period: p, DashboardURL: b.BaseURL + "/" + site.Domain}
	cur, prev := dateRange(p), dateRange(p.Previous())
	compare := map[string]any{"mode": "custom", "date_range": prev}

	totals, err := b.run(ctx, map[string]any{"site_id": site.Domain, "date_range": cur,
		"metrics": []string{"visitors", "pageviews", "bounce_rate", "visit_duration"}, "include": map[string]any{"comparisons": compare}})
	if err != nil {
		return Report{}, err
	}
	names := []string{"Unique visitors", "Pageviews", "Bounce rate", "Visit duration"}
	if len(totals.Results) == 1 {
		res := totals.Results[0]
		for i, name := range names {
			f := Figure{Name: name, RawValue: res.Metrics[i]}
			switch i {
			case 2:
				f.Value = fmt.Sprintf("%.0f%%", res.Metrics[i])
			case 3:
				f.Value = duration(res.Metrics[i])
			default:
				f.Value = count(res.Metrics[i])
			}
			if c := res.Comparison; c != nil {
				f.Change, f.Better, f.Worse = changeText(i == 2, c.Change[i], c.Metrics[i], i != 2)
			}
			r.Figures = append(r.Figures, f)
		}
	}

	if r.Series, err = b.Series(ctx, site, p); err != nil {
		return Report{}, err
	}

	top := func(dim string) ([]Row, error) {
		res, err := b.run(ctx, map[string]any{"site_id": site.Domain, "date_range": cur, "metrics": []string{"visitors"},
			"dimensions": []string{dim}, "pagination": map[string]int{"limit": 5}})
		if err != nil {
			return nil, err
		}
		var out []Row
		for _, row := range res.Results {
			name := row.Dimensions[0]
			if name == "" {
				name = map[string]string{"visit:source": "Direct / none", "visit:country_name": "Unknown"}[dim]
			}
			out = append(out, Row{Name: name, Visitors: int64(row.Metrics[0])})
		}
		return out, nil
	}
	if r.Pages, err = top("event:page"); err != nil {
		return Report{}, err
	}
	if r.Sources, err = top("visit:source"); err != nil {
		return Report{}, err
	}
	if r.Countries, err = top("visit:country_name"); err != nil {
		return Report{}, err
	}
	if withGoals {
		goals, err := b.run(ctx, map[string]any{"site_id": site.Domain, "date_range": cur,
			"metrics": []string{"visitors", "conversion_rate"}, "dimensions": []string{store.DimGoal}, "pagination": map[string]int{"limit": 10}})
		if err != nil {
			return Report{}, err
		}
		for _, row := range goals.Results {
			r.Goals = append(r.Goals, GoalRow{Name: row.Dimensions[0], Conversions: int64(row.Metrics[0]), Rate: row.Metrics[1]})
		}
	}

	vitals, err := b.run(ctx, map[string]any{"site_id": site.Domain, "date_range": cur,
		"metrics": []string{"lcp_p75", "inp_p75", "cls_p75"}, "include": map[string]any{"comparisons": compare}})
	if err != nil {
		return Report{}, err
	}
	if len(vitals.Results) == 1 {
		res := vitals.Results[0]
		for i, m := range []string{"lcp", "inp", "cls"} {
			v := Vital{Name: map[string]string{"lcp": "LCP", "inp": "INP", "cls": "CLS"}[m]}
			cur := res.Metrics[i]
			var prev float64
			if res.Comparison != nil {
				prev = res.Comparison.Metrics[i]
			}
			if cur > 0 || (m == "cls" && cur == 0 && prev > 0) {
				v.Value, v.Rating = vitalText(m, cur), rating(m, cur)
			}
			if prev > 0 {
				v.Previous = vitalText(m, prev)
			}
			if v.Rating != "" && prev > 0 {
				v.Regressed = cur >= prev*(1+RegressionPercent/100.0) || (v.Rating == "poor" && rating(m, prev) != "poor")
			}
			if v.Regressed {
				r.Regressions++
			}
			r.Vitals = append(r.Vitals, v)
		}
	}
	if b.Tokens.Key != nil {
		r.ChartURL = b.BaseURL + "/api/reports/chart.png?t=" + b.Tokens.Chart(site.ID, p)
	}
	return r, nil
}

// Series returns visitors per day of p (per hour for a daily report),
// zeros included: the chart's data.
func (b *Builder) Series(ctx context.Context, site store.Site, p Period) ([]Point, error) {
	bucket := "time:day"
	if p.Frequency == store.ReportDaily {
		bucket = "time:hour"
	}
	series, err := b.run(ctx, map[string]any{"site_id": site.Domain, "date_range": dateRange(p), "metrics": []string{"visitors"},
		"dimensions": []string{bucket}, "include": map[string]any{"time_labels": true}})
	if err != nil {
		return nil, err
	}
	byLabel := map[string]float64{}
	for _, row := range series.Results {
		byLabel[row.Dimensions[0]] = row.Metrics[0]
	}
	labels, _ := series.Meta["time_labels"].([]string)
	out := make([]Point, 0, len(labels))
	for _, l := range labels {
		out = append(out, Point{Label: l, Visitors: byLabel[l]})
	}
	return out, nil
}

// ChartFor opens a chart token and draws that period's chart; sites
// looks the site up by ID. ErrBadToken for a token that does not open.
func (b *Builder) ChartFor(ctx context.Context, token string, site func(ctx context.Context, id int64) (store.Site, error)) ([]byte, error) {
	siteID, freq, from, err := b.Tokens.OpenChart(token)
	if err != nil {
		return nil, err
	}
	s, err := site(ctx, siteID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "" {
		loc = time.UTC
	}
	day, err := time.ParseInLocation(time.DateOnly, from, loc)
	if err != nil {
		return nil, ErrBadToken
	}
	// The period of that frequency starting on that day.
	var p Period
	switch freq {
	case store.ReportDaily:
		p = Period{freq, day, day.AddDate(0, 0, 1)}
	case store.ReportWeekly:
		p = Period{freq, day, day.AddDate(0, 0, 7)}
	case store.ReportMonthly:
		p = Period{freq, day, day.AddDate(0, 1, 0)}
	default:
		return nil, ErrBadToken
	}
	points, err := b.Series(ctx, s, p)
	if err != nil {
		return nil, err
	}
	return ChartPNG(points)
}

// changeText says how a figure changed: the query engine gives percent
// change for counts and a point difference for rates. higherIsBetter
// decides which way is good news.
func changeText(points bool, change, previous float64, higherIsBetter bool) (text string, better, worse bool) {
	if change == 0 {
		return "no change", false, false
	}
	sign := "+"
	if change < 0 {
		sign = "−"
	}
	if points {
		text = fmt.Sprintf("%s%.1f pts", sign, math.Abs(change))
	} else {
		if previous == 0 {
			return "new", higherIsBetter, !higherIsBetter
		}
		text = fmt.Sprintf("%s%.0f%%", sign, math.Abs(change))
	}
	up := change > 0
	return text, up == higherIsBetter, up != higherIsBetter
}

func rating(metric string, v float64) string {
	for _, p := range store.Perfs {
		if p.Name == metric {
			switch {
			case v <= p.Good:
				return "good"
			case v <= p.Poor:
				return "needs improvement"
			}
			return "poor"
		}
	}
	return ""
}

func vitalText(metric string, v float64) string {
	if metric == "cls" {
		return fmt.Sprintf("%.2f", v)
	}
	if v >= 1000 {
		return fmt.Sprintf("%.1f s", v/1000)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// count formats a whole number with thin thousands separators: 12,345.
func count(v float64) string {
	n := int64(math.Round(v))
	s := fmt.Sprintf("%d", n)
	if n < 0 {
		return s
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// duration formats seconds as "1m 05s" or "42s".
func duration(sec float64) string {
	s := int64(math.Round(sec))
	if s < 60 {
		return fmt.Sprintf("%ds", s)
	}
	if s < 3600 {
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh %02dm", s/3600, (s%3600)/60)
}

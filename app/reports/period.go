// Package reports builds and sends the periodic email reports of a site
// (daily, weekly, monthly) to the addresses its admins subscribe, with a
// one-click unsubscribe, and the operator's daily staff digest. Figures
// come from the stats engine (app/query), so a report says what the
// dashboard says for the same period.
package reports

import (
	"fmt"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Period is a report's span: [From, To) in the site's time zone, whole
// local days.
type Period struct {
	Frequency string
	From, To  time.Time
}

// Key names the period in the record of reports sent: its first day.
func (p Period) Key() string { return p.Frequency + ":" + p.From.Format(time.DateOnly) }

// Last is the last day of the period (To is the day after).
func (p Period) Last() time.Time { return p.To.AddDate(0, 0, -1) }

// Label is the period in words: "Sunday 22 November 2026", "16–22
// November 2026", "November 2026".
func (p Period) Label() string {
	switch p.Frequency {
	case store.ReportDaily:
		return p.From.Format("Monday 2 January 2006")
	case store.ReportMonthly:
		return p.From.Format("January 2006")
	}
	last := p.Last()
	switch {
	case p.From.Year() != last.Year():
		return p.From.Format("2 January 2006") + " – " + last.Format("2 January 2006")
	case p.From.Month() != last.Month():
		return p.From.Format("2 January") + " – " + last.Format("2 January 2006")
	}
	return fmt.Sprintf("%d–%s", p.From.Day(), last.Format("2 January 2006"))
}

// Noun is what the period is called in a sentence: "day", "week", "month".
func (p Period) Noun() string {
	return map[string]string{store.ReportDaily: "day", store.ReportWeekly: "week", store.ReportMonthly: "month"}[p.Frequency]
}

// LastComplete returns the newest period of frequency that ended before
// now, in loc: yesterday, last week (Monday to Sunday) or last month.
func LastComplete(frequency string, now time.Time, loc *time.Location) Period {
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	switch frequency {
	case store.ReportDaily:
		return Period{frequency, today.AddDate(0, 0, -1), today}
	case store.ReportMonthly:
		first := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc)
		return Period{frequency, first.AddDate(0, -1, 0), first}
	}
	monday := today.AddDate(0, 0, -(int(today.Weekday())+6)%7)
	return Period{store.ReportWeekly, monday.AddDate(0, 0, -7), monday}
}

// Previous is the period before p, of the same frequency.
func (p Period) Previous() Period {
	switch p.Frequency {
	case store.ReportDaily:
		return Period{p.Frequency, p.From.AddDate(0, 0, -1), p.From}
	case store.ReportMonthly:
		return Period{p.Frequency, p.From.AddDate(0, -1, 0), p.From}
	}
	return Period{p.Frequency, p.From.AddDate(0, 0, -7), p.From}
}

// SendHour is the local hour from which a period's report is due: people
// read the week's report on Monday morning, not at midnight.
const SendHour = 7

// Due reports whether p's report may go out at now: from SendHour on its
// first day after.
func (p Period) Due(now time.Time) bool {
	return !now.Before(p.To.Add(SendHour * time.Hour))
}

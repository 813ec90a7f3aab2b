// Package sites decides what a site, a goal and a funnel may be: it checks
// what people type (in the API, the CLI) and fills in the defaults, so
// every way in accepts and stores the same things. Errors are sentences
// meant for the person who typed the input.
package sites

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/footfallhq/footfall/app/enrich"
	"github.com/footfallhq/footfall/store"
)

// Limits on what a goal or funnel holds, in characters. A page goal's
// default name is "Visit " and its path, so MaxName leaves room for the
// longest path.
const (
	MaxName        = 256
	MaxEventName   = 120
	MaxPage        = 250
	MinFunnelSteps = 2
	MaxFunnelSteps = 8
)

// Domain returns the site domain raw names, as sites store it: lower case,
// without scheme, port, path or a leading "www.". It must be one host with
// a dot in it (or localhost).
func Domain(raw string) (string, error) {
	domains := enrich.Domains(raw)
	if len(domains) != 1 || !strings.Contains(domains[0], ".") && domains[0] != "localhost" {
		return "", fmt.Errorf("%q is not a domain like example.com", raw)
	}
	return domains[0], nil
}

// TimeZone checks an IANA time zone name; "" means UTC.
func TimeZone(tz string) (string, error) {
	if tz == "" {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return "", fmt.Errorf("unknown time zone %q: use an IANA name like Europe/Berlin", tz)
	}
	return tz, nil
}

// Goal returns g checked and completed: surrounding spaces trimmed, and a
// missing name set the way Plausible names goals ("Visit /path" for a page
// goal, the event name for an event goal). Exactly one of EventName and
// Page must be set; a page pattern starts with "/", and in it "*" stands
// for any run of characters except "/" and "**" for any run at all.
func Goal(g store.Goal) (store.Goal, error) {
	g.Name = strings.TrimSpace(g.Name)
	g.EventName = strings.TrimSpace(g.EventName)
	g.Page = strings.TrimSpace(g.Page)
	switch {
	case g.EventName == "" && g.Page == "":
		return store.Goal{}, errors.New("a goal needs an event name or a page path")
	case g.EventName != "" && g.Page != "":
		return store.Goal{}, errors.New("a goal is either an event or a page, not both: give an event name or a page path")
	case g.EventName != "":
		if err := text("the event name", g.EventName, MaxEventName); err != nil {
			return store.Goal{}, err
		}
		if g.Name == "" {
			g.Name = g.EventName
		}
	default:
		if !strings.HasPrefix(g.Page, "/") {
			return store.Goal{}, fmt.Errorf("the page path %q must start with /, like /signup or /blog/**", g.Page)
		}
		if err := text("the page path", g.Page, MaxPage); err != nil {
			return store.Goal{}, err
		}
		// Pages are counted by path alone: a query or fragment in the
		// pattern could never match.
		if strings.ContainsAny(g.Page, "?#") {
			return store.Goal{}, fmt.Errorf("the page path %q must be a path alone, without a query (?) or fragment (#)", g.Page)
		}
		if g.Name == "" {
			g.Name = "Visit " + g.Page
		}
	}
	if err := text("the goal name", g.Name, MaxName); err != nil {
		return store.Goal{}, err
	}
	return g, nil
}

// Funnel returns f checked and completed: name trimmed and required, each
// step checked and named like a goal (see Goal), 2 to 8 steps, none
// repeated. The steps keep their order.
func Funnel(f store.Funnel) (store.Funnel, error) {
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" {
		return store.Funnel{}, errors.New("a funnel needs a name")
	}
	if err := text("the funnel name", f.Name, MaxName); err != nil {
		return store.Funnel{}, err
	}
	if n := len(f.Steps); n < MinFunnelSteps || n > MaxFunnelSteps {
		return store.Funnel{}, fmt.Errorf("a funnel has %d to %d steps, not %d", MinFunnelSteps, MaxFunnelSteps, n)
	}
	steps := make([]store.Goal, len(f.Steps))
	for i, s := range f.Steps {
		g, err := Goal(s)
		if err != nil {
			return store.Funnel{}, fmt.Errorf("step %d: %w", i+1, err)
		}
		for j, prev := range steps[:i] {
			if prev.EventName == g.EventName && prev.Page == g.Page {
				return store.Funnel{}, fmt.Errorf("step %d repeats step %d: each step of a funnel must differ", i+1, j+1)
			}
		}
		steps[i] = g
	}
	f.Steps = steps
	return f, nil
}

// text checks a name-like value: printable, valid UTF-8, at most max
// characters.
func text(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s is %d characters long; at most %d are allowed", what, n, max)
	}
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("%s %q contains control or invisible characters", what, s)
	}
	return nil
}

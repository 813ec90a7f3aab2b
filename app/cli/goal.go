package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/sites"
	"github.com/footfallhq/footfall/store"
)

// goalCmd is `footfall goal add|list|remove`.
func goalCmd(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "goal", &cfg)
	domain := fs.String("site", "", "the site's domain")
	event := fs.String("event", "", "count this custom event (add)")
	page := fs.String("page", "", "count visits to pages matching this path; * matches within a segment, ** across (add)")
	name := fs.String("name", "", `the goal's name in reports (add; default: the event name, or "Visit PATH")`)
	pos, err := parse(fs, args, &cfg, data, addr)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing subcommand: add, list or remove")
	}
	if *domain == "" {
		return usagef("--site is required")
	}
	var g store.Goal
	switch pos[0] {
	case "add":
		if len(pos) != 1 {
			return usagef("goal add takes no arguments besides flags")
		}
		if (*event == "") == (*page == "") {
			return usagef("give either --event NAME or --page PATH")
		}
		if g, err = sites.Goal(store.Goal{Name: *name, EventName: *event, Page: *page}); err != nil {
			return usagef("%v", err)
		}
	case "list":
		if len(pos) != 1 {
			return usagef("goal list takes no arguments besides flags")
		}
	case "remove":
		if len(pos) != 2 {
			return usagef("goal remove takes one goal ID (see goal list)")
		}
	default:
		return usagef("unknown subcommand %q: use add, list or remove", pos[0])
	}

	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	site, err := siteNamed(ctx, a, *domain)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "add":
		sg, err := a.DB.CreateGoal(ctx, store.SiteGoal{SiteID: site.ID, Goal: g, CreatedAt: time.Now()})
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%s already has a goal named %q (choose another with --name)", site.Domain, g.Name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "added goal %d %q (%s) to %s\n", sg.ID, sg.Name, describeGoal(sg.Goal), site.Domain)
	case "list":
		goals, err := a.DB.ListGoals(ctx, site.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCOUNTS\tCREATED")
		for _, g := range goals {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", g.ID, g.Name, describeGoal(g.Goal), g.CreatedAt.Format(time.DateOnly))
		}
		return tw.Flush()
	case "remove":
		return removeByID(ctx, e.Stdout, "goal", pos[1], site, a.DB.DeleteGoal)
	}
	return nil
}

// funnelCmd is `footfall funnel add|list|remove`.
func funnelCmd(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "funnel", &cfg)
	domain := fs.String("site", "", "the site's domain")
	name := fs.String("name", "", "the funnel's name (add)")
	var steps []store.Goal
	fs.Func("step", "a step, in order: event:NAME or page:PATH; 2 to 8 of them (add)", func(s string) error {
		g, err := parseStep(s)
		if err == nil {
			steps = append(steps, g)
		}
		return err
	})
	pos, err := parse(fs, args, &cfg, data, addr)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing subcommand: add, list or remove")
	}
	if *domain == "" {
		return usagef("--site is required")
	}
	var f store.Funnel
	switch pos[0] {
	case "add":
		if len(pos) != 1 {
			return usagef("funnel add takes no arguments besides flags")
		}
		if f, err = sites.Funnel(store.Funnel{Name: *name, Steps: steps}); err != nil {
			return usagef("%v", err)
		}
	case "list":
		if len(pos) != 1 {
			return usagef("funnel list takes no arguments besides flags")
		}
	case "remove":
		if len(pos) != 2 {
			return usagef("funnel remove takes one funnel ID (see funnel list)")
		}
	default:
		return usagef("unknown subcommand %q: use add, list or remove", pos[0])
	}

	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	site, err := siteNamed(ctx, a, *domain)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "add":
		f.SiteID, f.CreatedAt = site.ID, time.Now()
		created, err := a.DB.CreateFunnel(ctx, f)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%s already has a funnel named %q", site.Domain, f.Name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "added funnel %d %q (%s) to %s\n", created.ID, created.Name, describeSteps(created.Steps), site.Domain)
	case "list":
		funnels, err := a.DB.ListFunnels(ctx, site.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSTEPS\tCREATED")
		for _, f := range funnels {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", f.ID, f.Name, describeSteps(f.Steps), f.CreatedAt.Format(time.DateOnly))
		}
		return tw.Flush()
	case "remove":
		return removeByID(ctx, e.Stdout, "funnel", pos[1], site, a.DB.DeleteFunnel)
	}
	return nil
}

// parseStep reads a funnel step written event:NAME or page:PATH.
func parseStep(s string) (store.Goal, error) {
	kind, value, ok := strings.Cut(s, ":")
	switch {
	case ok && kind == "event":
		return store.Goal{EventName: value}, nil
	case ok && kind == "page":
		return store.Goal{Page: value}, nil
	}
	return store.Goal{}, fmt.Errorf("%q is not event:NAME or page:PATH", s)
}

// siteNamed finds the site of a --site flag.
func siteNamed(ctx context.Context, a *app.App, domain string) (store.Site, error) {
	d, err := sites.Domain(domain)
	if err != nil {
		return store.Site{}, usagef("--site: %v", err)
	}
	s, err := a.DB.SiteByDomain(ctx, d)
	if errors.Is(err, store.ErrNotFound) {
		return store.Site{}, fmt.Errorf("no site %s (see `footfall site list`)", d)
	}
	return s, err
}

// removeByID deletes the goal or funnel whose ID the user typed.
func removeByID(ctx context.Context, w io.Writer, what, id string, site store.Site, del func(ctx context.Context, siteID, id int64) error) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return usagef("%q is not a %s ID (see %s list)", id, what, what)
	}
	if err := del(ctx, site.ID, n); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s has no %s %d (see `footfall %s list --site %s`)", site.Domain, what, n, what, site.Domain)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(w, "removed %s %d from %s\n", what, n, site.Domain)
	return nil
}

func describeGoal(g store.Goal) string {
	if g.EventName != "" {
		return "event " + g.EventName
	}
	return "page " + g.Page
}

func describeSteps(steps []store.Goal) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = describeGoal(s)
	}
	return strings.Join(parts, " → ")
}

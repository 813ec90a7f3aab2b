package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/footfallhq/footfall/app"
	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/app/sites"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/open"
)

func site(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "site", &cfg)
	owner := fs.String("owner", "", "email of the owning user")
	tz := fs.String("timezone", "UTC", "IANA time zone for reports, e.g. Europe/Berlin")
	pos, err := parse(fs, args, &cfg, data, addr)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing subcommand: add, list or remove")
	}
	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	switch pos[0] {
	case "add":
		if len(pos) != 2 {
			return usagef("site add takes one DOMAIN")
		}
		domain, err := sites.Domain(pos[1])
		if err != nil {
			return usagef("%v", err)
		}
		zone, err := sites.TimeZone(*tz)
		if err != nil {
			return usagef("%v", err)
		}
		s := store.Site{Domain: domain, TimeZone: zone, CreatedAt: time.Now()}
		if *owner != "" {
			u, err := a.DB.UserByEmail(ctx, *owner)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no user %s: create it with `footfall user create --email %s`", *owner, *owner)
			} else if err != nil {
				return err
			}
			s.OwnerID = u.ID
			if err := a.AllowPersonalSite(ctx, u.ID); err != nil {
				return err
			}
		}
		s, err = a.DB.CreateSite(ctx, s)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("site %s already exists", domain)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "added %s (time zone %s)\nAdd this to your pages:\n  <script defer data-domain=\"%s\" src=\"%s/js/script.js\"></script>\n",
			s.Domain, s.TimeZone, s.Domain, strings.TrimRight(cfg.BaseURL, "/"))
	case "list":
		sites, err := a.DB.ListSites(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DOMAIN\tTIME ZONE\tOWNER\tCREATED")
		for _, s := range sites {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Domain, s.TimeZone, ownerEmail(ctx, a, s.OwnerID), s.CreatedAt.Format(time.DateOnly))
		}
		return tw.Flush()
	case "remove":
		if len(pos) != 2 {
			return usagef("site remove takes one DOMAIN")
		}
		s, err := a.DB.SiteByDomain(ctx, strings.ToLower(pos[1]))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no site %s", pos[1])
		} else if err != nil {
			return err
		}
		n, err := removeSiteEvents(ctx, cfg, s.ID)
		if err != nil {
			return err
		}
		if err := a.DB.DeleteSite(ctx, s.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "removed %s and its %d events\n", s.Domain, n)
	default:
		return usagef("unknown subcommand %q: use add, list or remove", pos[0])
	}
	return nil
}

func ownerEmail(ctx context.Context, a *app.App, id int64) string {
	if id == 0 {
		return "-"
	}
	u, err := a.DB.UserByID(ctx, id)
	if err != nil {
		return "?"
	}
	return u.Email
}

func user(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "user", &cfg)
	email := fs.String("email", "", "email address")
	password := fs.String("password", "", "password (default: read from standard input)")
	admin := fs.Bool("admin", false, "make the user an administrator (sees every site)")
	pos, err := parse(fs, args, &cfg, data, addr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("missing subcommand: create, list, reset-password or reset-2fa")
	}
	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	switch pos[0] {
	case "reset-2fa":
		// For someone who lost both their authenticator and their recovery
		// codes: the operator turns two-factor off, and the user sets it up
		// again after signing in with their password.
		u, err := a.DB.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("user %s: %w", *email, err)
		}
		if err := a.DB.DisableTOTP(ctx, u.ID); err != nil {
			return err
		}
		if err := a.DB.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "two-factor sign-in of %s turned off; every browser signed in as them is signed out\n", u.Email)
	case "create", "reset-password":
		if !strings.Contains(*email, "@") {
			return usagef("--email is required")
		}
		pw := *password
		if pw == "" {
			if pw, err = readPassword(e); err != nil {
				return err
			}
		}
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return usagef("%v", err)
		}
		if pos[0] == "reset-password" {
			u, err := a.DB.UserByEmail(ctx, *email)
			if err != nil {
				return fmt.Errorf("user %s: %w", *email, err)
			}
			if err := a.DB.SetPassword(ctx, u.ID, hash); err != nil {
				return err
			}
			// A reset is what follows a leaked password: whoever signed in
			// with the old one is signed out.
			if err := a.DB.DeleteUserSessions(ctx, u.ID); err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "password of %s changed; every browser signed in as them is signed out\n", u.Email)
			return nil
		}
		u, err := a.DB.CreateUser(ctx, store.User{Email: *email, PasswordHash: hash, Admin: *admin, CreatedAt: time.Now()})
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("user %s already exists", *email)
		} else if err != nil {
			return err
		}
		// The operator vouches for the address: no verification mail.
		if err := a.DB.SetEmailVerified(ctx, u.ID, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "created user %s (admin: %t)\n", u.Email, u.Admin)
	case "list":
		users, err := a.DB.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tADMIN\t2FA\tCREATED")
		for _, u := range users {
			t, err := a.DB.TOTP(ctx, u.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "%s\t%t\t%t\t%s\n", u.Email, u.Admin, t.Enabled, u.CreatedAt.Format(time.DateOnly))
		}
		return tw.Flush()
	default:
		return usagef("unknown subcommand %q: use create, list, reset-password or reset-2fa", pos[0])
	}
	return nil
}

func readPassword(e *Env) (string, error) {
	if isTerminal(e.Stderr) {
		fmt.Fprint(e.Stderr, "password: ")
	}
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("no password given: pass --password or write it to standard input (%v)", err)
	}
	return line, nil
}

func apikey(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "apikey", &cfg)
	email := fs.String("email", "", "the key acts as this user")
	name := fs.String("name", "default", "a label to recognise the key by")
	var scopes []string
	fs.Func("scope", "what the key may do: "+strings.Join(store.Scopes, ", ")+" (repeat, or separate with commas; default "+store.ScopeStatsRead+")", func(v string) error {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(store.Scopes, s) {
				return fmt.Errorf("unknown scope %q (scopes: %s)", s, strings.Join(store.Scopes, ", "))
			}
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
		return nil
	})
	pos, err := parse(fs, args, &cfg, data, addr)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "create" {
		return usagef("use: apikey create --email E")
	}
	if *email == "" {
		return usagef("--email is required")
	}
	a, err := openApp(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	key, err := createKey(ctx, a, *email, *name, scopes)
	if err != nil {
		return err
	}
	if len(scopes) == 0 {
		scopes = []string{store.ScopeStatsRead}
	}
	fmt.Fprintf(e.Stderr, "API key %q for %s, scopes %s (shown once; store it now):\n", *name, *email, strings.Join(scopes, " "))
	fmt.Fprintln(e.Stdout, key)
	return nil
}

// createKey makes an API key for the user with the scopes (none: the
// default, stats:read).
func createKey(ctx context.Context, a *app.App, email, name string, scopes []string) (string, error) {
	u, err := a.DB.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("no user %s: create it with `footfall user create --email %s`", email, email)
	} else if err != nil {
		return "", err
	}
	key, prefix, hash := auth.NewAPIKey()
	if _, err := a.DB.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Name: name, Prefix: prefix, Hash: hash, Scopes: scopes, CreatedAt: time.Now()}); err != nil {
		return "", err
	}
	return key, nil
}

// removeSiteEvents deletes a site's events, as the Sites API's DELETE
// does, and returns how many there were. It runs before the site goes: if
// it fails the site stays, and removing it again retries; the other way
// round its events would be left with no site to delete them through. An
// embedded events database held by a running server cannot be opened
// here: the error says to stop the server or use the API.
func removeSiteEvents(ctx context.Context, cfg config.Config, siteID int64) (int64, error) {
	events, err := open.Events(ctx, cfg.EventsURL, open.EventsOptions{MemoryLimit: cfg.DuckDBMemoryLimit, Threads: cfg.DuckDBThreads})
	if err != nil {
		return 0, fmt.Errorf("open the events store to delete the site's events (if the server is running, stop it or use DELETE /api/v1/sites/:site_id): %w", err)
	}
	defer events.Close()
	d, ok := events.(store.EventDeleter)
	if !ok {
		return 0, fmt.Errorf("the events store %s cannot delete events", cfg.EventsURL)
	}
	n, err := events.Count(ctx, siteID, time.Time{}, time.Time{})
	if err != nil {
		return 0, fmt.Errorf("count the site's events: %w", err)
	}
	if err := d.DeleteSiteEvents(ctx, siteID); err != nil {
		return 0, fmt.Errorf("delete the site's events: %w", err)
	}
	return n, nil
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

const (
	goalColumns   = "id, site_id, name, event_name, page_path, created_at"
	funnelColumns = "id, site_id, name, steps, created_at"
)

func scanGoal(r pgx.Row) (store.SiteGoal, error) {
	var (
		g       store.SiteGoal
		created int64
	)
	if err := r.Scan(&g.ID, &g.SiteID, &g.Name, &g.EventName, &g.Page, &created); err != nil {
		return store.SiteGoal{}, err
	}
	g.CreatedAt = fromMillis(created)
	return g, nil
}

func scanFunnel(r pgx.Row) (store.Funnel, error) {
	var (
		f       store.Funnel
		steps   string
		created int64
	)
	if err := r.Scan(&f.ID, &f.SiteID, &f.Name, &steps, &created); err != nil {
		return store.Funnel{}, err
	}
	if err := json.Unmarshal([]byte(steps), &f.Steps); err != nil {
		return store.Funnel{}, fmt.Errorf("funnel %d: steps: %w", f.ID, err)
	}
	f.CreatedAt = fromMillis(created)
	return f, nil
}

// CreateGoal stores g with a new ID (g.ID is ignored) and returns it as
// stored: CreatedAt now if zero, at millisecond precision. A name taken on
// the site is ErrConflict; a SiteID naming no site is ErrNotFound.
func (s *Store) CreateGoal(ctx context.Context, g store.SiteGoal) (store.SiteGoal, error) {
	g.CreatedAt = stamp(g.CreatedAt)
	err := s.pool.QueryRow(ctx,
		"INSERT INTO goals (site_id, name, event_name, page_path, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		g.SiteID, g.Name, g.EventName, g.Page, g.CreatedAt.UnixMilli()).Scan(&g.ID)
	if err != nil {
		return store.SiteGoal{}, fmt.Errorf("postgres: create goal %q of site %d: %w", g.Name, g.SiteID, translate(err))
	}
	return g, nil
}

// ListGoals returns the site's goals, oldest first.
func (s *Store) ListGoals(ctx context.Context, siteID int64) ([]store.SiteGoal, error) {
	goals, err := queryAll(ctx, s, scanGoal,
		"SELECT "+goalColumns+" FROM goals WHERE site_id = $1 ORDER BY created_at, id", siteID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list goals of site %d: %w", siteID, err)
	}
	return goals, nil
}

// DeleteGoal removes a goal of the site; ErrNotFound if the site has none
// with that id.
func (s *Store) DeleteGoal(ctx context.Context, siteID, id int64) error {
	if err := mustAffect(s.pool.Exec(ctx,
		"DELETE FROM goals WHERE id = $1 AND site_id = $2", id, siteID)); err != nil {
		return fmt.Errorf("postgres: delete goal %d of site %d: %w", id, siteID, err)
	}
	return nil
}

// CreateFunnel stores f with a new ID (f.ID is ignored), its steps as JSON
// in their order, and returns it as stored. A name taken on the site is
// ErrConflict; a SiteID naming no site is ErrNotFound.
func (s *Store) CreateFunnel(ctx context.Context, f store.Funnel) (store.Funnel, error) {
	f.CreatedAt = stamp(f.CreatedAt)
	steps, err := json.Marshal(f.Steps)
	if err != nil {
		return store.Funnel{}, fmt.Errorf("postgres: create funnel %q of site %d: %w", f.Name, f.SiteID, err)
	}
	err = s.pool.QueryRow(ctx,
		"INSERT INTO funnels (site_id, name, steps, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
		f.SiteID, f.Name, string(steps), f.CreatedAt.UnixMilli()).Scan(&f.ID)
	if err != nil {
		return store.Funnel{}, fmt.Errorf("postgres: create funnel %q of site %d: %w", f.Name, f.SiteID, translate(err))
	}
	return f, nil
}

// ListFunnels returns the site's funnels, oldest first.
func (s *Store) ListFunnels(ctx context.Context, siteID int64) ([]store.Funnel, error) {
	funnels, err := queryAll(ctx, s, scanFunnel,
		"SELECT "+funnelColumns+" FROM funnels WHERE site_id = $1 ORDER BY created_at, id", siteID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list funnels of site %d: %w", siteID, err)
	}
	return funnels, nil
}

// DeleteFunnel removes a funnel of the site; ErrNotFound if the site has
// none with that id.
func (s *Store) DeleteFunnel(ctx context.Context, siteID, id int64) error {
	if err := mustAffect(s.pool.Exec(ctx,
		"DELETE FROM funnels WHERE id = $1 AND site_id = $2", id, siteID)); err != nil {
		return fmt.Errorf("postgres: delete funnel %d of site %d: %w", id, siteID, err)
	}
	return nil
}

package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

const siteColumns = "id, domain, timezone, owner_id, created_at, account_id"

func scanSite(r pgx.Row) (store.Site, error) {
	var (
		s       store.Site
		owner   *int64
		created int64
		account *int64
	)
	if err := r.Scan(&s.ID, &s.Domain, &s.TimeZone, &owner, &created, &account); err != nil {
		return store.Site{}, err
	}
	if account != nil {
		s.AccountID = *account
	}
	if owner != nil {
		s.OwnerID = *owner
	}
	s.CreatedAt = fromMillis(created)
	return s, nil
}

// CreateSite stores s with a new ID (s.ID is ignored) and returns it as
// stored: domain lower case, CreatedAt now if zero, at millisecond
// precision. A taken domain is ErrConflict; an OwnerID or AccountID naming
// nothing is ErrNotFound. Given an owner but no account, the site goes to
// the owner's personal account (see ownerAccount).
func (s *Store) CreateSite(ctx context.Context, site store.Site) (store.Site, error) {
	site.Domain = strings.ToLower(site.Domain)
	site.CreatedAt = stamp(site.CreatedAt)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if site.AccountID == 0 && site.OwnerID != 0 {
			id, err := ownerAccount(ctx, tx, site.OwnerID)
			if err != nil {
				return err
			}
			site.AccountID = id
		}
		return tx.QueryRow(ctx,
			"INSERT INTO sites (domain, timezone, owner_id, created_at, account_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			site.Domain, site.TimeZone, nullID(site.OwnerID), site.CreatedAt.UnixMilli(), nullID(site.AccountID)).Scan(&site.ID)
	})
	if err != nil {
		return store.Site{}, fmt.Errorf("postgres: create site %q: %w", site.Domain, translate(err))
	}
	return site, nil
}

// SiteByDomain looks a site up by domain, ignoring case.
func (s *Store) SiteByDomain(ctx context.Context, domain string) (store.Site, error) {
	site, err := scanSite(s.pool.QueryRow(ctx,
		"SELECT "+siteColumns+" FROM sites WHERE domain = $1", strings.ToLower(domain)))
	if err != nil {
		return store.Site{}, fmt.Errorf("postgres: site %q: %w", domain, translate(err))
	}
	return site, nil
}

// SiteByID looks a site up by ID.
func (s *Store) SiteByID(ctx context.Context, id int64) (store.Site, error) {
	site, err := scanSite(s.pool.QueryRow(ctx,
		"SELECT "+siteColumns+" FROM sites WHERE id = $1", id))
	if err != nil {
		return store.Site{}, fmt.Errorf("postgres: site %d: %w", id, translate(err))
	}
	return site, nil
}

// ListSites returns every site, by ID ascending (creation order).
func (s *Store) ListSites(ctx context.Context) ([]store.Site, error) {
	sites, err := queryAll(ctx, s, scanSite, "SELECT "+siteColumns+" FROM sites ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: list sites: %w", err)
	}
	return sites, nil
}

// DeleteSite removes a site's row; a missing site is ErrNotFound.
func (s *Store) DeleteSite(ctx context.Context, id int64) error {
	if err := mustAffect(s.pool.Exec(ctx, "DELETE FROM sites WHERE id = $1", id)); err != nil {
		return fmt.Errorf("postgres: delete site %d: %w", id, err)
	}
	return nil
}

// UpdateSite changes a site's domain and time zone (see store.App).
func (s *Store) UpdateSite(ctx context.Context, site store.Site) (store.Site, error) {
	if err := mustAffect(s.pool.Exec(ctx, "UPDATE sites SET domain = $1, timezone = $2 WHERE id = $3",
		strings.ToLower(site.Domain), site.TimeZone, site.ID)); err != nil {
		return store.Site{}, fmt.Errorf("postgres: update site %d: %w", site.ID, translate(err))
	}
	return s.SiteByID(ctx, site.ID)
}

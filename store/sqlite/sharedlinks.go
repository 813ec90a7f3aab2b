package sqlite

import (
	"context"
	"fmt"

	"github.com/footfallhq/footfall/store"
)

const sharedLinkColumns = "id, site_id, slug, name, password_hash, created_at"

func scanSharedLink(r scanner) (store.SharedLink, error) {
	var (
		l       store.SharedLink
		created int64
	)
	if err := r.Scan(&l.ID, &l.SiteID, &l.Slug, &l.Name, &l.PasswordHash, &created); err != nil {
		return store.SharedLink{}, err
	}
	l.CreatedAt = fromMillis(created)
	return l, nil
}

// CreateSharedLink stores l with a new ID and returns it as stored. A
// slug taken anywhere or a name taken on the site is ErrConflict; a
// SiteID naming no site is ErrNotFound.
func (s *Store) CreateSharedLink(ctx context.Context, l store.SharedLink) (store.SharedLink, error) {
	l.CreatedAt = stamp(l.CreatedAt)
	res, err := s.write.ExecContext(ctx,
		"INSERT INTO shared_links (site_id, slug, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
		l.SiteID, l.Slug, l.Name, l.PasswordHash, l.CreatedAt.UnixMilli())
	if err == nil {
		l.ID, err = res.LastInsertId()
	}
	if err != nil {
		return store.SharedLink{}, fmt.Errorf("sqlite: create shared link %q of site %d: %w", l.Name, l.SiteID, translate(err))
	}
	return l, nil
}

// SharedLinkBySlug looks a link up by its slug.
func (s *Store) SharedLinkBySlug(ctx context.Context, slug string) (store.SharedLink, error) {
	l, err := scanSharedLink(s.read.QueryRowContext(ctx,
		"SELECT "+sharedLinkColumns+" FROM shared_links WHERE slug = ?", slug))
	if err != nil {
		// The slug is a secret: it stays out of the error (and the log).
		return store.SharedLink{}, fmt.Errorf("sqlite: shared link by slug: %w", translate(err))
	}
	return l, nil
}

// ListSharedLinks returns the site's links, oldest first.
func (s *Store) ListSharedLinks(ctx context.Context, siteID int64) ([]store.SharedLink, error) {
	links, err := queryAll(ctx, s.read, scanSharedLink,
		"SELECT "+sharedLinkColumns+" FROM shared_links WHERE site_id = ? ORDER BY created_at, id", siteID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list shared links of site %d: %w", siteID, err)
	}
	return links, nil
}

// DeleteSharedLink removes a link of the site; ErrNotFound if the site
// has none with that id.
func (s *Store) DeleteSharedLink(ctx context.Context, siteID, id int64) error {
	if err := mustAffect(s.write.ExecContext(ctx,
		"DELETE FROM shared_links WHERE id = ? AND site_id = ?", id, siteID)); err != nil {
		return fmt.Errorf("sqlite: delete shared link %d of site %d: %w", id, siteID, err)
	}
	return nil
}

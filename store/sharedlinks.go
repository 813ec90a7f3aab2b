package store

import (
	"context"
	"time"
)

// SharedLink is a secret link to a site's dashboard, read-only, for
// people without an account: the slug in /share/<slug> is the secret.
// PasswordHash, when not empty, is a PHC string (argon2id) the visitor's
// password must match first.
type SharedLink struct {
	ID           int64
	SiteID       int64
	Slug         string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
}

// SharedLinks stores the shared links of sites. A link belongs to one
// site for good; deleting the site deletes its links.
type SharedLinks interface {
	// CreateSharedLink stores l with a new ID (l.ID is ignored) and
	// returns it as stored: CreatedAt now if zero, at millisecond
	// precision. A slug already stored (on any site) or a name taken on
	// the site is ErrConflict; a SiteID naming no site is ErrNotFound.
	CreateSharedLink(ctx context.Context, l SharedLink) (SharedLink, error)
	// SharedLinkBySlug looks a link up by its slug; ErrNotFound if none.
	SharedLinkBySlug(ctx context.Context, slug string) (SharedLink, error)
	// ListSharedLinks returns the site's links, oldest first (by
	// CreatedAt, then ID); none, also for an unknown site, is an empty
	// list.
	ListSharedLinks(ctx context.Context, siteID int64) ([]SharedLink, error)
	// DeleteSharedLink removes a link of the site; ErrNotFound if the
	// site has no link with that id (another site's link included).
	DeleteSharedLink(ctx context.Context, siteID, id int64) error
}

package store

import (
	"context"
	"time"
)

// EventDeleter is implemented by events backends that can remove events:
// all of a deleted site's, and everyone's older than the retention period.
// Both are idempotent, and what they remove is gone for every later Query,
// Funnel and Count once they return (a backend whose engine deletes in the
// background waits for it).
type EventDeleter interface {
	// DeleteSiteEvents removes every event of the site.
	DeleteSiteEvents(ctx context.Context, siteID int64) error
	// DeleteEventsBefore removes the events of every site stamped before
	// the given time.
	DeleteEventsBefore(ctx context.Context, before time.Time) error
}

package store

import (
	"context"
	"time"
)

// Visit is a visit in progress as the replicas share it: its id, the
// visitor id it was opened under, and Entry, the session-level attributes
// of its first event (entry page, source, location, device …) in the
// caller's own encoding, stamped on every later event of the visit.
type Visit struct {
	ID      uint64
	Visitor uint64
	Entry   []byte
}

// VisitTable keeps the visits in progress that replicas share, so that a
// visitor whose requests land on two replicas stays in one visit. One
// process alone keeps them in memory instead (app/visitor).
type VisitTable interface {
	// Join looks for the site's open visit under ids[0] (the visitor's id
	// under today's salt), then ids[1] (yesterday's; 0 for none). A visit
	// is open while its last event is less than idle before now; Join
	// extends it to now and returns it. When none is open and fresh.ID is
	// not 0, it opens fresh under ids[0] and returns it, unless another
	// caller opened one there first, which it returns instead. ok is false
	// when no visit was open and fresh.ID was 0.
	Join(ctx context.Context, site int64, ids [2]uint64, now time.Time, idle time.Duration, fresh Visit) (v Visit, ok bool, err error)
}

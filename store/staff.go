package store

import (
	"context"
	"time"
)

// AccountState is what staff decided about an account: blocked (its
// ingestion refused, and its members signed out where it was all they
// had) and/or soft-deleted (invisible to its members, destroyed for good
// after DestroyAfter). The zero times mean "no".
type AccountState struct {
	AccountID   int64
	BlockedAt   time.Time
	BlockedBy   int64 // 0 once that user is gone
	BlockReason string
	DeletedAt   time.Time
	DeletedBy   int64
	// DestroyAfter is when the hard delete may destroy a soft-deleted
	// account's data.
	DestroyAfter time.Time
}

// Blocked reports whether staff blocked the account.
func (s AccountState) Blocked() bool { return !s.BlockedAt.IsZero() }

// Deleted reports whether the account is soft-deleted.
func (s AccountState) Deleted() bool { return !s.DeletedAt.IsZero() }

// Deletion request statuses.
const (
	DeletionPending   = "pending"
	DeletionApproved  = "approved"
	DeletionCancelled = "cancelled"
)

// DeletionRequest is an account owner's request that the account and all
// its data be deleted; staff approve it.
type DeletionRequest struct {
	ID          int64
	AccountID   int64
	RequestedBy int64 // 0 once that user is gone
	Reason      string
	RequestedAt time.Time
	Status      string // DeletionPending, DeletionApproved or DeletionCancelled
	DecidedBy   int64
	DecidedAt   time.Time // zero while pending
	// AccountName is filled by the listing methods, for display.
	AccountName string
}

// Announcement is an email staff sent to every user or a segment.
type Announcement struct {
	ID         int64
	Subject    string
	Body       string
	Segment    string // the segment as the caller describes it (JSON)
	Recipients int
	SentBy     int64
	CreatedAt  time.Time
}

// AuditEntry is one staff action (or the system's, ActorID 0), kept for
// accountability. Entries are never changed; they outlive the accounts and
// users they name.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorID    int64
	ActorEmail string // as it was at the time
	Action     string // dotted name: "account.block", "billing.override"…
	AccountID  int64  // the account acted on; 0 for none
	Target     string // what was acted on, for people ("example.com")
	Detail     string // a JSON object with the action's parameters; "{}" when none
}

// AuditQuery selects audit entries: newest first, IDs below Before (0 =
// from the newest), at most Limit, of one account when AccountID > 0.
type AuditQuery struct {
	Before    int64
	Limit     int
	AccountID int64
}

// AccountSummary is one row of the staff account search.
type AccountSummary struct {
	Account
	State      AccountState
	OwnerEmail string // "" when the account has no owner row
	Sites      int
	Members    int
}

// RefusedSite is a site whose events are refused: its account is blocked,
// or soft-deleted (Deleted).
type RefusedSite struct {
	SiteID    int64
	AccountID int64
	Deleted   bool
}

// Segment selects the recipients of an announcement: users with a
// membership of at least MinRole (RoleViewer: everyone) in a live account
// (neither blocked nor deleted) whose plan is Plan and capacity state is
// Capacity ("" = any; an account without billing profile is "free" and
// CapacityOK).
type Segment struct {
	MinRole  Role
	Plan     string
	Capacity string
}

// Destroyed counts what DestroyAccount removed.
type Destroyed struct {
	Sites int
	Users int
}

// Staff stores what the staff admin panel decides (migration 0013).
// Missing rows are ErrNotFound; the rules below that a call would break are
// ErrConflict.
type Staff interface {
	// AppendAudit stores e with a new ID (At now if zero, millisecond
	// precision; Detail "{}" if empty) and returns it as stored.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// AuditLog returns the entries q selects, newest (greatest ID) first;
	// none is an empty list. A Limit of 0 or less means 50.
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)

	// AccountState returns what staff decided about the account (the zero
	// state but AccountID for a live one); ErrNotFound for no account.
	AccountState(ctx context.Context, accountID int64) (AccountState, error)
	// BlockAccount blocks the account, recording who, when and why; a
	// blocked account is blocked again with the new values. ErrNotFound
	// for no account.
	BlockAccount(ctx context.Context, accountID, by int64, reason string, at time.Time) error
	// UnblockAccount clears the block; an account not blocked is not an
	// error; ErrNotFound for no account.
	UnblockAccount(ctx context.Context, accountID int64) error
	// RefusedSites returns the sites of blocked or soft-deleted accounts,
	// by site ID ascending.
	RefusedSites(ctx context.Context) ([]RefusedSite, error)
	// LockedOutUsers returns, by ID ascending, the users who are not
	// instance administrators, have at least one membership and whose
	// every membership is of a blocked or soft-deleted account: they may
	// not sign in.
	LockedOutUsers(ctx context.Context) ([]int64, error)
	// SearchAccounts returns accounts whose name, a member's email or a
	// site's domain contains q (case-insensitively; "" matches all),
	// newest (greatest ID) first, at most limit, soft-deleted ones
	// included.
	SearchAccounts(ctx context.Context, q string, limit int) ([]AccountSummary, error)

	// RequestAccountDeletion stores a pending request with a new ID
	// (RequestedAt now if zero). ErrConflict when the account has a
	// pending one or is soft-deleted already; ErrNotFound for no account.
	RequestAccountDeletion(ctx context.Context, r DeletionRequest) (DeletionRequest, error)
	// DeletionRequests returns the requests of status ("" = all), with
	// AccountName, oldest first.
	DeletionRequests(ctx context.Context, status string) ([]DeletionRequest, error)
	// AccountDeletionRequest returns the account's pending request;
	// ErrNotFound when it has none.
	AccountDeletionRequest(ctx context.Context, accountID int64) (DeletionRequest, error)
	// CancelDeletionRequest cancels the account's pending request;
	// ErrNotFound when it has none.
	CancelDeletionRequest(ctx context.Context, accountID, by int64, at time.Time) error
	// ApproveAccountDeletion, in one transaction, marks pending request id
	// approved by by at at and soft-deletes its account (DeletedAt at,
	// DestroyAfter destroyAfter); it returns the account's new state.
	// ErrNotFound when id is no pending request.
	ApproveAccountDeletion(ctx context.Context, id, by int64, at, destroyAfter time.Time) (AccountState, error)
	// AccountsToDestroy returns the soft-deleted accounts whose
	// DestroyAfter is at or before now, by account ID ascending.
	AccountsToDestroy(ctx context.Context, now time.Time) ([]AccountState, error)
	// DestroyAccount removes a soft-deleted account and, in one
	// transaction, everything of it in the app database: its sites (with
	// their goals, funnels, shared links, alerts), memberships,
	// invitations, billing rows and deletion requests, and the users left
	// without any membership who are not instance administrators (with
	// their sessions, keys and second factors). Events are not here: the
	// caller removes them from the events store first. ErrConflict for an
	// account that is not soft-deleted; ErrNotFound for no account.
	DestroyAccount(ctx context.Context, accountID int64) (Destroyed, error)

	// AnnouncementRecipients returns the distinct emails seg selects,
	// sorted.
	AnnouncementRecipients(ctx context.Context, seg Segment) ([]string, error)
	// CreateAnnouncement stores a with a new ID (CreatedAt now if zero).
	CreateAnnouncement(ctx context.Context, a Announcement) (Announcement, error)
	// Announcements returns the newest announcements first, at most limit.
	Announcements(ctx context.Context, limit int) ([]Announcement, error)
}

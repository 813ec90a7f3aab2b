package store

import (
	"context"
	"time"
)

// Account is an organisation: it owns sites, and people work on them as
// its members, each with a Role. Every user has a personal account from
// the moment they are created; they may be members of others too.
type Account struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// Role is what a member may do in an account; see app/access for the
// actions each allows. Every account has exactly one RoleOwner.
type Role string

// Roles, from least to most.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
	RoleOwner  Role = "owner"
)

// Membership is a user's role in an account. Email and AccountName are
// filled by the listing methods, for display; they are ignored on writes.
type Membership struct {
	AccountID   int64
	UserID      int64
	Role        Role
	CreatedAt   time.Time
	Email       string
	AccountName string
}

// Invitation asks the holder of an emailed token to join an account with
// a role (never owner). Only the token's SHA-256 is stored.
type Invitation struct {
	ID         int64
	AccountID  int64
	Email      string // lower case
	Role       Role
	TokenHash  []byte
	ExpiresAt  time.Time
	InvitedBy  int64 // 0 once that user is deleted
	CreatedAt  time.Time
	AcceptedAt time.Time // zero while pending
}

// API key scopes: what a key may be used for, chosen at its creation.
const (
	ScopeStatsRead   = "stats:read"   // POST /api/v2/query, /api/v2/funnel
	ScopeEventsWrite = "events:write" // server-side /api/event with the client's address and browser given
	ScopeSitesAdmin  = "sites:admin"  // the Sites API (/api/v1/sites…)
)

// Scopes lists every API key scope, in the order they are documented.
var Scopes = []string{ScopeStatsRead, ScopeEventsWrite, ScopeSitesAdmin}

// Accounts stores accounts, their members and invitations. Implemented by
// the app-data backends beside App (migration 0008). Missing rows are
// ErrNotFound; the rules below that a call would break are ErrConflict.
type Accounts interface {
	// CreateAccount stores a with a new ID and ownerID as its owner, in
	// one transaction, and returns it as stored (CreatedAt now if zero,
	// millisecond precision). A missing user is ErrNotFound.
	CreateAccount(ctx context.Context, a Account, ownerID int64) (Account, error)
	AccountByID(ctx context.Context, id int64) (Account, error)
	// RenameAccount sets the account's name.
	RenameAccount(ctx context.Context, id int64, name string) error
	// ListAccounts returns every account by ID ascending.
	ListAccounts(ctx context.Context) ([]Account, error)

	// UserMemberships returns the user's memberships, with AccountName,
	// by account ID ascending; none is an empty list. Memberships of
	// soft-deleted accounts (Staff) are left out: to members, such an
	// account is gone.
	UserMemberships(ctx context.Context, userID int64) ([]Membership, error)
	// Members returns the account's members, with Email, by the time they
	// joined (then user ID).
	Members(ctx context.Context, accountID int64) ([]Membership, error)
	// Membership returns one user's membership of an account; ErrNotFound
	// when they are not a member, or the account is soft-deleted.
	Membership(ctx context.Context, accountID, userID int64) (Membership, error)
	// AddMember makes a user a member with a role other than owner
	// (ErrConflict for owner, or when they are a member already).
	AddMember(ctx context.Context, m Membership) error
	// SetRole changes a member's role to one other than owner. The
	// owner's own role cannot change this way (ErrConflict): ownership
	// moves with TransferOwnership only.
	SetRole(ctx context.Context, accountID, userID int64, role Role) error
	// RemoveMember ends a membership; the owner cannot be removed
	// (ErrConflict).
	RemoveMember(ctx context.Context, accountID, userID int64) error
	// TransferOwnership makes member toUserID the owner and the present
	// owner an admin, at once. ErrNotFound when toUserID is not a member.
	TransferOwnership(ctx context.Context, accountID, toUserID int64) error

	// CreateInvitation stores inv with a new ID, replacing any pending
	// invitation of the same email to the same account. The role must not
	// be owner (ErrConflict); a token hash already stored is ErrConflict.
	CreateInvitation(ctx context.Context, inv Invitation) (Invitation, error)
	// Invitations returns the account's pending invitations (expired ones
	// included: callers show them as such), oldest first.
	Invitations(ctx context.Context, accountID int64) ([]Invitation, error)
	// InvitationByHash looks an invitation up by its token's hash,
	// accepted or not.
	InvitationByHash(ctx context.Context, hash []byte) (Invitation, error)
	// DeleteInvitation removes a pending invitation of the account;
	// ErrNotFound if the account has no such pending one.
	DeleteInvitation(ctx context.Context, accountID, id int64) error
	// AcceptInvitation marks a pending, unexpired (at at) invitation
	// accepted and makes userID a member with its role, in one
	// transaction; ErrNotFound when there is no such pending, unexpired
	// invitation, ErrConflict when the user is a member already (the
	// invitation stays pending then).
	AcceptInvitation(ctx context.Context, id, userID int64, at time.Time) (Membership, error)

	// AccountSites returns the account's sites by ID ascending.
	AccountSites(ctx context.Context, accountID int64) ([]Site, error)
	// MoveSite puts a site in another account.
	MoveSite(ctx context.Context, siteID, accountID int64) error
}

// AtLeast reports whether role r allows at least what min allows: roles
// are ordered viewer < editor < admin < owner. An unknown role allows
// nothing.
func (r Role) AtLeast(min Role) bool {
	rank := func(r Role) int {
		switch r {
		case RoleViewer:
			return 1
		case RoleEditor:
			return 2
		case RoleAdmin:
			return 3
		case RoleOwner:
			return 4
		}
		return 0
	}
	return rank(r) > 0 && rank(r) >= rank(min)
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.AtLeast(RoleViewer) }

// Package access decides what a user may do on a site or an account: one
// table of actions by role, and the lookups that find a user's role. Every
// handler that touches a site or an account asks here, so the rules live
// in one place.
//
// Instance administrators (users.admin, the operator's staff) may do
// everything everywhere, as they could before accounts existed.
package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/footfallhq/footfall/store"
)

// Action is something a member may do.
type Action int

// Actions, each allowed from a role up (see minRole).
const (
	ReadStats         Action = iota // the dashboard and the stats API
	EditGoals                       // goals, funnels, shared links
	ManageSite                      // site settings, adding and deleting sites
	ManageMembers                   // members other than the owner, invitations
	ManageKeys                      // the account's integrations and keys
	DeleteAccount                   // the account and everything in it
	TransferOwnership               // hand the owner role to another member
	ManageBilling                   // plan, Checkout, the billing portal (hosted mode)
)

var actionNames = map[Action]string{
	ReadStats: "read stats", EditGoals: "edit goals and funnels", ManageSite: "manage sites",
	ManageMembers: "manage members", ManageKeys: "manage keys", DeleteAccount: "delete the account",
	TransferOwnership: "transfer ownership", ManageBilling: "manage billing",
}

func (a Action) String() string { return actionNames[a] }

// minRole is the whole policy: the least role that may do each action.
var minRole = map[Action]store.Role{
	ReadStats:         store.RoleViewer,
	EditGoals:         store.RoleEditor,
	ManageSite:        store.RoleAdmin,
	ManageMembers:     store.RoleAdmin,
	ManageKeys:        store.RoleAdmin,
	DeleteAccount:     store.RoleOwner,
	TransferOwnership: store.RoleOwner,
	ManageBilling:     store.RoleAdmin,
}

// Allows reports whether role may do act. An unknown role or action
// allows nothing.
func Allows(role store.Role, act Action) bool {
	min, ok := minRole[act]
	return ok && role.AtLeast(min)
}

// ErrNotFound: the user is no member of the account (and not staff). The
// caller answers as for a missing site or account, so that nobody learns
// what other tenants have.
var ErrNotFound = errors.New("access: not a member")

// ForbiddenError: the user is a member, but their role does not allow the
// action. Callers answer 403 with its message.
type ForbiddenError struct {
	Role   store.Role
	Action Action
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("your role in this account (%s) does not allow you to %s; ask an admin or the owner", e.Role, e.Action)
}

// Memberships is the part of the app store access reads.
type Memberships interface {
	Membership(ctx context.Context, accountID, userID int64) (store.Membership, error)
	UserMemberships(ctx context.Context, userID int64) ([]store.Membership, error)
}

// Checker answers access questions from the app store. Without a store
// (DB nil) only staff have access.
type Checker struct {
	DB Memberships
}

// Role returns u's role in the account: RoleOwner for staff, ErrNotFound
// for anyone else who is not a member (and for account 0, which no member
// has: sites without an account are staff-only).
func (c Checker) Role(ctx context.Context, u store.User, accountID int64) (store.Role, error) {
	if u.Admin {
		return store.RoleOwner, nil
	}
	if accountID == 0 || u.ID == 0 || c.DB == nil {
		return "", ErrNotFound
	}
	m, err := c.DB.Membership(ctx, accountID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return m.Role, nil
}

// Account returns nil when u may do act in the account, ErrNotFound when
// u is no member, a *ForbiddenError when u's role is too low.
func (c Checker) Account(ctx context.Context, u store.User, accountID int64, act Action) error {
	role, err := c.Role(ctx, u, accountID)
	if err != nil {
		return err
	}
	if !Allows(role, act) {
		return &ForbiddenError{Role: role, Action: act}
	}
	return nil
}

// Site is Account for the site's account.
func (c Checker) Site(ctx context.Context, u store.User, s store.Site, act Action) error {
	return c.Account(ctx, u, s.AccountID, act)
}

// Roles returns u's role in each of their accounts, for filtering lists.
func (c Checker) Roles(ctx context.Context, u store.User) (Roles, error) {
	if c.DB == nil || u.Admin {
		return Roles{staff: u.Admin}, nil
	}
	ms, err := c.DB.UserMemberships(ctx, u.ID)
	if err != nil {
		return Roles{}, err
	}
	r := Roles{staff: u.Admin, byAccount: make(map[int64]store.Role, len(ms))}
	for _, m := range ms {
		r.byAccount[m.AccountID] = m.Role
	}
	return r, nil
}

// Roles is a user's roles at one moment, for checking many sites at once.
type Roles struct {
	staff     bool
	byAccount map[int64]store.Role
}

// Site reports whether the user may do act on s.
func (r Roles) Site(s store.Site, act Action) bool {
	if r.staff {
		return true
	}
	role, ok := r.byAccount[s.AccountID]
	return ok && s.AccountID != 0 && Allows(role, act)
}

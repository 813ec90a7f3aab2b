package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/billing"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// TeamStore is the part of the app store behind the Teams API.
type TeamStore interface {
	store.Accounts
	UserByID(ctx context.Context, id int64) (store.User, error)
	UserByEmail(ctx context.Context, email string) (store.User, error)
	CreateUser(ctx context.Context, u store.User) (store.User, error)
	SetEmailVerified(ctx context.Context, userID int64, at time.Time) error
}

// invitationTTL is how long an emailed invitation link works.
const invitationTTL = 7 * 24 * time.Hour

// teamRoutes adds the Teams API: accounts, members, invitations and
// ownership, all for a signed-in browser session (never an API key: a
// leaked key must not be able to add people to an account).
func teamRoutes(e *echo.Echo, d Deps, au *authenticator) {
	if d.Teams == nil || d.Accounts == nil {
		return
	}
	h := &teamsHandler{db: d.Teams, auth: au, access: access.Checker{DB: d.Teams}, mail: d.Mail,
		baseURL: strings.TrimRight(d.BaseURL, "/"), accounts: newAccountHandler(d, au), billing: d.Billing}
	e.GET("/api/accounts", h.list)
	e.POST("/api/accounts", h.create)
	e.GET("/api/accounts/:account_id/members", h.members)
	e.PUT("/api/accounts/:account_id/members/:user_id", h.setRole)
	e.DELETE("/api/accounts/:account_id/members/:user_id", h.removeMember)
	e.POST("/api/accounts/:account_id/transfer", h.transfer)
	e.GET("/api/accounts/:account_id/invitations", h.invitations)
	e.POST("/api/accounts/:account_id/invitations", h.invite)
	e.DELETE("/api/accounts/:account_id/invitations/:invitation_id", h.revoke)
	e.POST("/api/auth/invitations/accept", h.accept)
	e.POST("/api/auth/invitations/lookup", h.invitationInfo)
}

type teamsHandler struct {
	db       TeamStore
	auth     *authenticator
	access   access.Checker
	mail     mail.Mailer // nil: invitations are not mailed (the link is in the answer)
	baseURL  string
	accounts *accountHandler // signs in a user who joins through an invitation
	// billing holds a hosted account to its plan's team size; nil or
	// self-hosted, no limit.
	billing *billing.Service
}

// allowMember refuses a member (or invitation) beyond the account's plan
// (hosted mode). Pending, unexpired invitations count as members, but not
// one to except (the address being invited again, which replaces it).
func (h *teamsHandler) allowMember(ctx context.Context, accountID int64, pending []store.Invitation, except string, now time.Time) error {
	if h.billing == nil || !h.billing.Enabled() {
		return nil
	}
	members, err := h.db.Members(ctx, accountID)
	if err != nil {
		return err
	}
	n := len(members)
	for _, inv := range pending {
		if inv.Email != except && now.Before(inv.ExpiresAt) {
			n++
		}
	}
	return h.billing.Allow(ctx, accountID, billing.LimitMembers, n)
}

type accountJSON struct {
	ID   int64      `json:"id"`
	Name string     `json:"name"`
	Role store.Role `json:"role"`
}

type memberJSON struct {
	UserID    int64      `json:"user_id"`
	Email     string     `json:"email"`
	Role      store.Role `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
}

type invitationJSON struct {
	ID        int64      `json:"id"`
	Email     string     `json:"email"`
	Role      store.Role `json:"role"`
	ExpiresAt time.Time  `json:"expires_at"`
	Expired   bool       `json:"expired"`
	CreatedAt time.Time  `json:"created_at"`
	// URL is the link to accept, shown once, in the creation answer only
	// (to pass on by hand when mail is not configured).
	URL string `json:"url,omitempty"`
}

var errAccountNotFound = apiError(http.StatusNotFound, "account_not_found", "you are a member of no account with that id")

// account authenticates the session and returns the account named in the
// path on which the user may do act: an account they are no member of
// answers as a missing one.
func (h *teamsHandler) account(c echo.Context, act access.Action) (store.User, store.Account, error) {
	user, _, err := h.auth.session(c)
	if err != nil {
		return store.User{}, store.Account{}, err
	}
	id, err := strconv.ParseInt(c.Param("account_id"), 10, 64)
	if err != nil || id <= 0 {
		return store.User{}, store.Account{}, errAccountNotFound
	}
	if err := accessError(h.access.Account(c.Request().Context(), user, id, act), errAccountNotFound); err != nil {
		return store.User{}, store.Account{}, err
	}
	acc, err := h.db.AccountByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Account{}, errAccountNotFound
	}
	return user, acc, err
}

// list is GET /api/accounts: the signed-in user's accounts and role in each.
func (h *teamsHandler) list(c echo.Context) error {
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	ms, err := h.db.UserMemberships(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	out := make([]accountJSON, len(ms))
	for i, m := range ms {
		out[i] = accountJSON{m.AccountID, m.AccountName, m.Role}
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"accounts": out})
}

// maxOwnedAccounts bounds the accounts one user may create.
const maxOwnedAccounts = 20

// create is POST /api/accounts {name}: a new account (a team) owned by the
// signed-in user.
func (h *teamsHandler) create(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	name, err := accountName(in.Name)
	if err != nil {
		return err
	}
	ms, err := h.db.UserMemberships(ctx, user.ID)
	if err != nil {
		return err
	}
	owned := 0
	for _, m := range ms {
		if m.Role == store.RoleOwner {
			owned++
		}
	}
	if owned >= maxOwnedAccounts {
		return apiError(http.StatusConflict, "too_many_accounts", fmt.Sprintf("you own %d accounts, the most allowed", maxOwnedAccounts))
	}
	acc, err := h.db.CreateAccount(ctx, store.Account{Name: name}, user.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, accountJSON{acc.ID, acc.Name, store.RoleOwner})
}

func accountName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > 100 || !utf8.ValidString(s) {
		return "", apiError(http.StatusBadRequest, "invalid_name", "name the account (1 to 100 characters)")
	}
	return s, nil
}

// members is GET /api/accounts/:account_id/members (any member).
func (h *teamsHandler) members(c echo.Context) error {
	_, acc, err := h.account(c, access.ReadStats)
	if err != nil {
		return err
	}
	ms, err := h.db.Members(c.Request().Context(), acc.ID)
	if err != nil {
		return err
	}
	out := make([]memberJSON, len(ms))
	for i, m := range ms {
		out[i] = memberJSON{m.UserID, m.Email, m.Role, m.CreatedAt}
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"members": out})
}

var errMemberNotFound = apiError(http.StatusNotFound, "member_not_found", "the account has no member with that id")

func (h *teamsHandler) memberParam(c echo.Context, accountID int64) (store.Membership, error) {
	id, err := strconv.ParseInt(c.Param("user_id"), 10, 64)
	if err != nil {
		return store.Membership{}, errMemberNotFound
	}
	m, err := h.db.Membership(c.Request().Context(), accountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Membership{}, errMemberNotFound
	}
	return m, err
}

// parseRole accepts the roles one may give: admin, editor, viewer.
func parseRole(s string) (store.Role, error) {
	r := store.Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() || r == store.RoleOwner {
		return "", apiError(http.StatusBadRequest, "invalid_role",
			"role must be admin, editor or viewer (ownership moves with POST /api/accounts/:account_id/transfer)")
	}
	return r, nil
}

var errOwnerFixed = apiError(http.StatusConflict, "owner", "the owner's role cannot change and the owner cannot be removed: transfer ownership first")

// setRole is PUT /api/accounts/:account_id/members/:user_id {role}
// (admins and the owner).
func (h *teamsHandler) setRole(c echo.Context) error {
	ctx := c.Request().Context()
	user, acc, err := h.account(c, access.ManageMembers)
	if err != nil {
		return err
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	m, err := h.memberParam(c, acc.ID)
	if err != nil {
		return err
	}
	role, err := parseRole(in.Role)
	if err != nil {
		return err
	}
	if err := h.db.SetRole(ctx, acc.ID, m.UserID, role); errors.Is(err, store.ErrConflict) {
		return errOwnerFixed
	} else if errors.Is(err, store.ErrNotFound) {
		return errMemberNotFound
	} else if err != nil {
		return err
	}
	h.audit(c, "role changed", user.ID, "account_id", acc.ID, "member_id", m.UserID, "role", role)
	return c.JSON(http.StatusOK, memberJSON{m.UserID, m.Email, role, m.CreatedAt})
}

// removeMember is DELETE /api/accounts/:account_id/members/:user_id:
// admins and the owner remove others; any member may remove themself
// (leave), except the owner.
func (h *teamsHandler) removeMember(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	act := access.ManageMembers
	if c.Param("user_id") == strconv.FormatInt(user.ID, 10) {
		act = access.ReadStats // leaving needs no more than membership
	}
	_, acc, err := h.account(c, act)
	if err != nil {
		return err
	}
	m, err := h.memberParam(c, acc.ID)
	if err != nil {
		return err
	}
	if err := h.db.RemoveMember(ctx, acc.ID, m.UserID); errors.Is(err, store.ErrConflict) {
		return errOwnerFixed
	} else if errors.Is(err, store.ErrNotFound) {
		return errMemberNotFound
	} else if err != nil {
		return err
	}
	h.audit(c, "member removed", user.ID, "account_id", acc.ID, "member_id", m.UserID)
	return c.NoContent(http.StatusNoContent)
}

// transfer is POST /api/accounts/:account_id/transfer {user_id}: the owner
// hands the account to another member and becomes an admin.
func (h *teamsHandler) transfer(c echo.Context) error {
	ctx := c.Request().Context()
	user, acc, err := h.account(c, access.TransferOwnership)
	if err != nil {
		return err
	}
	var in struct {
		UserID int64 `json:"user_id"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if _, err := h.db.Membership(ctx, acc.ID, in.UserID); errors.Is(err, store.ErrNotFound) {
		return apiError(http.StatusBadRequest, "not_a_member", "ownership goes to a member of the account: invite them first")
	} else if err != nil {
		return err
	}
	if err := h.db.TransferOwnership(ctx, acc.ID, in.UserID); err != nil {
		return err
	}
	h.audit(c, "ownership transferred", user.ID, "account_id", acc.ID, "new_owner_id", in.UserID)
	return c.NoContent(http.StatusNoContent)
}

func toInvitationJSON(inv store.Invitation, now time.Time) invitationJSON {
	return invitationJSON{ID: inv.ID, Email: inv.Email, Role: inv.Role, ExpiresAt: inv.ExpiresAt,
		Expired: !now.Before(inv.ExpiresAt), CreatedAt: inv.CreatedAt}
}

// invitations is GET /api/accounts/:account_id/invitations: the pending
// ones (admins and the owner).
func (h *teamsHandler) invitations(c echo.Context) error {
	_, acc, err := h.account(c, access.ManageMembers)
	if err != nil {
		return err
	}
	list, err := h.db.Invitations(c.Request().Context(), acc.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]invitationJSON, len(list))
	for i, inv := range list {
		out[i] = toInvitationJSON(inv, now)
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"invitations": out})
}

// maxPendingInvitations bounds an account's open invitations, so a
// compromised admin session cannot turn the server into a mail cannon.
const maxPendingInvitations = 100

// invite is POST /api/accounts/:account_id/invitations {email, role}: an
// emailed link, valid for a week, that makes whoever opens it (signed in
// with that address, or signing up with it) a member. Inviting the same
// address again replaces the earlier link.
func (h *teamsHandler) invite(c echo.Context) error {
	ctx := c.Request().Context()
	user, acc, err := h.account(c, access.ManageMembers)
	if err != nil {
		return err
	}
	var in struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	email, err := checkEmail(in.Email)
	if err != nil {
		return err
	}
	role, err := parseRole(in.Role)
	if err != nil {
		return err
	}
	if u, err := h.db.UserByEmail(ctx, email); err == nil {
		if _, err := h.db.Membership(ctx, acc.ID, u.ID); err == nil {
			return apiError(http.StatusConflict, "already_member", email+" is a member already: change their role instead")
		}
	}
	pending, err := h.db.Invitations(ctx, acc.ID)
	if err != nil {
		return err
	}
	if len(pending) >= maxPendingInvitations {
		return apiError(http.StatusConflict, "too_many_invitations", "the account has too many open invitations: revoke some first")
	}
	now := time.Now()
	if err := h.allowMember(ctx, acc.ID, pending, email, now); err != nil {
		return err
	}
	token, hash := auth.NewSessionToken() // random, only its hash stored
	inv, err := h.db.CreateInvitation(ctx, store.Invitation{AccountID: acc.ID, Email: email, Role: role, TokenHash: hash,
		ExpiresAt: now.Add(invitationTTL), InvitedBy: user.ID, CreatedAt: now})
	if err != nil {
		return err
	}
	link := h.baseURL + "/invitation?token=" + url.QueryEscape(token)
	if h.mail != nil {
		err := h.mail.Send(ctx, mail.Message{
			To:      []string{email},
			Subject: fmt.Sprintf("%s invites you to %s on Footfall", user.Email, acc.Name),
			Text: fmt.Sprintf("%s invites you to join the account %q on Footfall as %s.\n\nAccept (the link works for 7 days):\n%s\n\nIf you did not expect this, ignore this mail.\n",
				user.Email, acc.Name, role, link),
			Kind: "invite",
		})
		if err != nil {
			return fmt.Errorf("mail the invitation: %w", err)
		}
	}
	h.audit(c, "invitation sent", user.ID, "account_id", acc.ID, "invitation_id", inv.ID, "role", role)
	out := toInvitationJSON(inv, now)
	out.URL = link
	noStore(c)
	return c.JSON(http.StatusCreated, out)
}

// revoke is DELETE /api/accounts/:account_id/invitations/:invitation_id.
func (h *teamsHandler) revoke(c echo.Context) error {
	user, acc, err := h.account(c, access.ManageMembers)
	if err != nil {
		return err
	}
	notFound := apiError(http.StatusNotFound, "invitation_not_found", "the account has no pending invitation with that id")
	id, err := strconv.ParseInt(c.Param("invitation_id"), 10, 64)
	if err != nil {
		return notFound
	}
	if err := h.db.DeleteInvitation(c.Request().Context(), acc.ID, id); errors.Is(err, store.ErrNotFound) {
		return notFound
	} else if err != nil {
		return err
	}
	h.audit(c, "invitation revoked", user.ID, "account_id", acc.ID, "invitation_id", id)
	return c.NoContent(http.StatusNoContent)
}

var errInvitationInvalid = apiError(http.StatusNotFound, "invitation_invalid",
	"this invitation link is unknown, used or expired: ask for a new one")

// accept is POST /api/auth/invitations/accept {token, password}. Signed
// in, the user joins (the invitation must be for their address). Signed
// out, a new user is created with the invited address and the password,
// joins and is signed in, whatever FOOTFALL_REGISTRATION says: the
// invitation is the permission. An address that has an account already
// must sign in first.
func (h *teamsHandler) accept(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	signedIn := err == nil
	if err != nil && !errors.Is(err, errSignedOut) {
		return err
	}
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	hash, ok := auth.ParseSessionToken(strings.TrimSpace(in.Token))
	if !ok {
		return errInvitationInvalid
	}
	inv, err := h.db.InvitationByHash(ctx, hash)
	now := time.Now()
	if errors.Is(err, store.ErrNotFound) || err == nil && (!inv.AcceptedAt.IsZero() || !now.Before(inv.ExpiresAt)) {
		return errInvitationInvalid
	} else if err != nil {
		return err
	}
	// The plan may have shrunk since the invitation was sent: checked
	// before a new user is created for it. The invitation itself does not
	// count here (it is the one being used).
	if err := h.allowMember(ctx, inv.AccountID, nil, "", now); err != nil {
		return err
	}
	if signedIn {
		if user.Email != inv.Email {
			return apiError(http.StatusForbidden, "invitation_other_email",
				"this invitation is for another address: sign in as the invited person, or ask for an invitation to "+user.Email)
		}
	} else {
		if _, err := h.db.UserByEmail(ctx, inv.Email); err == nil {
			return apiError(http.StatusUnauthorized, "sign_in_first", "an account with the invited address exists: sign in, then open the link again")
		}
		pw, err := auth.HashPassword(in.Password)
		if errors.Is(err, auth.ErrWeakPassword) {
			return apiError(http.StatusBadRequest, "weak_password", err.Error())
		} else if err != nil {
			return err
		}
		user, err = h.db.CreateUser(ctx, store.User{Email: inv.Email, PasswordHash: pw})
		if errors.Is(err, store.ErrConflict) {
			return apiError(http.StatusUnauthorized, "sign_in_first", "an account with the invited address exists: sign in, then open the link again")
		} else if err != nil {
			return err
		}
		// The mail reached them: the address is theirs.
		if err := h.db.SetEmailVerified(ctx, user.ID, now); err != nil {
			return err
		}
		h.audit(c, "account created through an invitation", user.ID)
	}
	m, err := h.db.AcceptInvitation(ctx, inv.ID, user.ID, now)
	switch {
	case errors.Is(err, store.ErrConflict):
		return apiError(http.StatusConflict, "already_member", "you are a member of this account already")
	case errors.Is(err, store.ErrNotFound):
		return errInvitationInvalid // used or expired meanwhile
	case err != nil:
		return err
	}
	h.audit(c, "invitation accepted", user.ID, "account_id", m.AccountID, "invitation_id", inv.ID)
	if !signedIn {
		return h.accounts.signIn(c, user)
	}
	return c.JSON(http.StatusOK, accountJSON{m.AccountID, m.AccountName, m.Role})
}

func (h *teamsHandler) audit(c echo.Context, event string, userID int64, attrs ...any) {
	h.accounts.audit(c, event, userID, attrs...)
}

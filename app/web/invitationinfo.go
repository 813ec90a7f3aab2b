package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// invitationInfoJSON is what the invitation page shows before the
// invited person accepts.
type invitationInfoJSON struct {
	AccountName string     `json:"account_name"`
	Email       string     `json:"email"`
	Role        store.Role `json:"role"`
	ExpiresAt   time.Time  `json:"expires_at"`
	// AccountExists: the invited address has a user already, who signs in
	// to accept; otherwise accepting signs a new user up. Accepting says as
	// much (sign_in_first), so the token holder learns nothing new here.
	AccountExists bool `json:"account_exists"`
}

// invitationInfo is POST /api/auth/invitations/lookup {token}: the
// account, address and role a pending invitation is for. The token is
// the credential (in the body, not the URL, so it stays out of access
// logs); unknown, used and expired tokens answer alike.
func (h *teamsHandler) invitationInfo(c echo.Context) error {
	ctx := c.Request().Context()
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	hash, ok := auth.ParseSessionToken(strings.TrimSpace(in.Token))
	if !ok {
		return errInvitationInvalid
	}
	inv, err := h.db.InvitationByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) || err == nil && (!inv.AcceptedAt.IsZero() || !time.Now().Before(inv.ExpiresAt)) {
		return errInvitationInvalid
	} else if err != nil {
		return err
	}
	acc, err := h.db.AccountByID(ctx, inv.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return errInvitationInvalid
	} else if err != nil {
		return err
	}
	_, err = h.db.UserByEmail(ctx, inv.Email)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, invitationInfoJSON{AccountName: acc.Name, Email: inv.Email, Role: inv.Role,
		ExpiresAt: inv.ExpiresAt, AccountExists: exists})
}

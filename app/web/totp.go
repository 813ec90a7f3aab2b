package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// Two-factor sign-in: a user sets up a TOTP secret (shown once, as text
// and as an otpauth:// URI for a QR code), confirms it with a code, and
// from then on signs in with password and code, or a recovery code.

var (
	errTOTPRequired = apiError(http.StatusUnauthorized, "totp_required",
		"enter the 6-digit code from your authenticator app (or a recovery code) as \"code\"")
	errInvalidCode = apiError(http.StatusUnauthorized, "invalid_code", "wrong or already used code")
)

// secondFactor checks code when user has two-factor sign-in enabled: nil
// when it is off or the code is right. A TOTP code is accepted once; a
// recovery code is used up.
func (h *accountHandler) secondFactor(ctx context.Context, user store.User, code string) error {
	t, err := h.db.TOTP(ctx, user.ID)
	if err != nil || !t.Enabled {
		return err
	}
	if code == "" {
		return errTOTPRequired
	}
	ok, err := h.checkCode(ctx, user, t, code)
	if err != nil {
		return err
	}
	if !ok {
		return errInvalidCode
	}
	return nil
}

// checkCode reports whether code is a current TOTP code of the user's
// secret (not used before) or one of their recovery codes (then used up).
func (h *accountHandler) checkCode(ctx context.Context, user store.User, t store.TOTP, code string) (bool, error) {
	secret, err := auth.OpenTOTP(h.secretKey, user.ID, t.Sealed)
	if err != nil {
		// The secret key changed: codes cannot be checked, recovery
		// codes still work.
		h.auth.logger.Error("a TOTP secret does not open: was FOOTFALL_SECRET_KEY changed?", "user_id", user.ID)
	} else if step, ok := auth.CheckTOTP(secret, code, time.Now()); ok {
		err := h.db.UseTOTPStep(ctx, user.ID, step)
		if errors.Is(err, store.ErrConflict) {
			return false, nil
		}
		return err == nil, err
	}
	err = h.db.UseRecoveryCode(ctx, user.ID, auth.HashRecoveryCode(code))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// totpSetup is POST /api/auth/totp/setup {password}: a new secret for the
// signed-in user, not active until confirmed (totpEnable). The answer is
// the only time the secret is shown.
func (h *accountHandler) totpSetup(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	if err := h.limit(c, "totp", user.Email); err != nil {
		return err
	}
	var in struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !h.checkPassword(user, in.Password) {
		return apiError(http.StatusForbidden, "invalid_credentials", "the password is wrong")
	}
	t, err := h.db.TOTP(ctx, user.ID)
	if err != nil {
		return err
	}
	if t.Enabled {
		return apiError(http.StatusConflict, "totp_enabled", "two-factor sign-in is on already: turn it off first to set up another app")
	}
	secret := auth.NewTOTPSecret()
	if err := h.db.SetTOTP(ctx, user.ID, auth.SealTOTP(h.secretKey, user.ID, secret)); err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]string{
		"secret":      auth.TOTPSecretText(secret),
		"otpauth_url": auth.OTPAuthURL(h.issuer(), user.Email, secret),
	})
}

// issuer names this instance in authenticator apps: "Footfall" and the
// public host, so two instances do not look alike.
func (h *accountHandler) issuer() string {
	if u, err := url.Parse(h.baseURL); err == nil && u.Hostname() != "" {
		return "Footfall " + u.Hostname()
	}
	return "Footfall"
}

// totpEnable is POST /api/auth/totp/enable {code}: a code of the secret
// just set up turns two-factor sign-in on. The answer carries ten recovery
// codes, shown only then. Every other session of the user ends (they were
// opened without the second factor); this browser gets a new one.
func (h *accountHandler) totpEnable(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	if err := h.limit(c, "totp", user.Email); err != nil {
		return err
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := h.db.TOTP(ctx, user.ID)
	if err != nil {
		return err
	}
	switch {
	case t.Enabled:
		return apiError(http.StatusConflict, "totp_enabled", "two-factor sign-in is on already")
	case t.Sealed == nil:
		return apiError(http.StatusConflict, "totp_not_set_up", "set up an authenticator app first (POST /api/auth/totp/setup)")
	}
	secret, err := auth.OpenTOTP(h.secretKey, user.ID, t.Sealed)
	if err != nil {
		return err
	}
	step, ok := auth.CheckTOTP(secret, in.Code, time.Now())
	if !ok {
		return errInvalidCode
	}
	if err := h.db.UseTOTPStep(ctx, user.ID, step); errors.Is(err, store.ErrConflict) {
		return errInvalidCode
	} else if err != nil {
		return err
	}
	codes, hashes := auth.NewRecoveryCodes()
	if err := h.db.EnableTOTP(ctx, user.ID, hashes); err != nil {
		return err
	}
	h.audit(c, "two-factor sign-in turned on; every session ended", user.ID)
	h.securityNotice(c, user, "Two-factor sign-in turned on",
		"Two-factor sign-in was turned on for "+user.Email+"; every other session was signed out.")
	return h.renew(c, user, map[string]any{"recovery_codes": codes})
}

// totpDisable is POST /api/auth/totp/disable {password, code}: with the
// password and a current code (or a recovery code), two-factor sign-in is
// turned off. Sessions are renewed as when it is turned on.
func (h *accountHandler) totpDisable(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	if err := h.limit(c, "totp", user.Email); err != nil {
		return err
	}
	var in struct {
		Password string `json:"password"`
		Code     string `json:"code"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !h.checkPassword(user, in.Password) {
		return apiError(http.StatusForbidden, "invalid_credentials", "the password is wrong")
	}
	t, err := h.db.TOTP(ctx, user.ID)
	if err != nil {
		return err
	}
	if t.Enabled {
		ok, err := h.checkCode(ctx, user, t, in.Code)
		if err != nil {
			return err
		}
		if !ok {
			return errInvalidCode
		}
	}
	if err := h.db.DisableTOTP(ctx, user.ID); err != nil {
		return err
	}
	h.audit(c, "two-factor sign-in turned off; every session ended", user.ID)
	h.securityNotice(c, user, "Two-factor sign-in turned off",
		"Two-factor sign-in was turned off for "+user.Email+"; every other session was signed out.")
	return h.renew(c, user, nil)
}

// renew ends every session of user and signs this browser in anew, after
// a change to how the account signs in; the answer is /me's, plus extra.
func (h *accountHandler) renew(c echo.Context, user store.User, extra map[string]any) error {
	ctx := c.Request().Context()
	if err := h.db.DeleteUserSessions(ctx, user.ID); err != nil {
		return err
	}
	s, err := h.startSession(c, user)
	if err != nil {
		return err
	}
	me, err := h.meFor(ctx, user, s)
	if err != nil {
		return err
	}
	body := map[string]any{"user": me.User, "csrf_token": me.CSRFToken, "setup_needed": false}
	for k, v := range extra {
		body[k] = v
	}
	return c.JSON(http.StatusOK, body)
}

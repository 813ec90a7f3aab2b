package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/store"
)

// Lifetimes of emailed links: a verification may wait for a weekend, a
// password reset should not outlive the moment.
const (
	verifyTokenTTL = 48 * time.Hour
	resetTokenTTL  = time.Hour
)

// accountMailRoutes adds email verification and password reset
// (/api/auth/verify…, /api/auth/password-reset…). Without a mailer and the
// token store they are absent.
func accountMailRoutes(e *echo.Echo, ac *accountHandler) {
	if ac == nil || ac.mailer == nil || ac.tokens == nil {
		return
	}
	e.GET("/api/auth/verify", ac.verifyLink)
	e.POST("/api/auth/verify", ac.verify)
	e.POST("/api/auth/verify/resend", ac.resendVerification)
	e.POST("/api/auth/password-reset", ac.passwordReset)
	e.POST("/api/auth/password-reset/confirm", ac.passwordResetConfirm)
}

// newAccountToken returns a random token for a link and the hash stored.
func newAccountToken() (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:]
}

// tokenHash hashes a token from a request; malformed tokens hash to a
// value no stored token has, so they fail like unknown ones.
func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return sum[:]
}

// sendAccountMail renders template name for user and queues it. Failing
// to queue is logged, not returned: the account change it reports has
// happened and must not be answered as an error.
func (h *accountHandler) sendAccountMail(ctx context.Context, to, name string, data map[string]any) {
	if h.mailer == nil {
		return
	}
	m, err := mail.Render(name, h.baseURL, data)
	if err == nil {
		m.To = []string{to}
		err = h.mailer.Send(ctx, m)
	}
	if err != nil {
		h.auth.logger.Error("account mail not queued", "template", name, "err", err)
	}
}

// sendVerification emails user a link that verifies their address.
func (h *accountHandler) sendVerification(ctx context.Context, user store.User) error {
	token, hash := newAccountToken()
	if err := h.tokens.DeleteAccountTokens(ctx, user.ID, store.TokenVerifyEmail); err != nil {
		return err
	}
	if err := h.tokens.CreateAccountToken(ctx, store.AccountToken{Hash: hash, UserID: user.ID, Purpose: store.TokenVerifyEmail,
		Email: user.Email, ExpiresAt: time.Now().Add(verifyTokenTTL)}); err != nil {
		return err
	}
	h.sendAccountMail(ctx, user.Email, "verify_email", map[string]any{
		"Email": user.Email, "Link": h.baseURL + "/verify-email?token=" + url.QueryEscape(token), "Expires": "48 hours",
	})
	return nil
}

// useVerification spends a verification token and marks the address.
func (h *accountHandler) useVerification(ctx context.Context, token string) (int64, error) {
	t, err := h.tokens.UseAccountToken(ctx, tokenHash(token), store.TokenVerifyEmail, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return 0, apiError(http.StatusBadRequest, "invalid_token", "this link is unknown, used or expired: ask for a new one")
	} else if err != nil {
		return 0, err
	}
	user, err := h.db.UserByID(ctx, t.UserID)
	if err != nil {
		return 0, err
	}
	if !strings.EqualFold(user.Email, t.Email) {
		// The address changed since the link was sent: it proves nothing.
		return 0, apiError(http.StatusBadRequest, "invalid_token", "this link was for another address: ask for a new one")
	}
	return user.ID, h.tokens.SetEmailVerified(ctx, user.ID, time.Now())
}

// verifyLink is GET /api/auth/verify?token=…, what the emailed link was
// before it opened the /verify-email page (which POSTs the token, so a
// mail scanner fetching links spends nothing): links already sent keep
// working. It verifies and sends the browser to that page with the
// outcome (verified=1 or 0).
func (h *accountHandler) verifyLink(c echo.Context) error {
	if err := h.limit(c, "verify", ""); err != nil {
		return err
	}
	noStore(c)
	id, err := h.useVerification(c.Request().Context(), c.QueryParam("token"))
	var refused *Error
	if errors.As(err, &refused) {
		return c.Redirect(http.StatusSeeOther, "/verify-email?verified=0")
	} else if err != nil {
		return err
	}
	h.audit(c, "email verified", id)
	return c.Redirect(http.StatusSeeOther, "/verify-email?verified=1")
}

// verify is POST /api/auth/verify {token}: the same for scripts and the UI.
func (h *accountHandler) verify(c echo.Context) error {
	if err := h.limit(c, "verify", ""); err != nil {
		return err
	}
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id, err := h.useVerification(c.Request().Context(), in.Token)
	if err != nil {
		return err
	}
	h.audit(c, "email verified", id)
	return c.JSON(http.StatusOK, map[string]bool{"email_verified": true})
}

// resendVerification is POST /api/auth/verify/resend: a new link for the
// signed-in user (the old one stops working).
func (h *accountHandler) resendVerification(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	if err := h.limit(c, "verify_resend", user.Email); err != nil {
		return err
	}
	at, err := h.tokens.EmailVerifiedAt(ctx, user.ID)
	if err != nil {
		return err
	}
	if !at.IsZero() {
		return apiError(http.StatusConflict, "already_verified", "your address is already verified")
	}
	if err := h.sendVerification(ctx, user); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "sent"})
}

// passwordReset is POST /api/auth/password-reset {email}. The answer is
// 202 whether or not the address has an account (nobody learns which
// addresses do); if it has, a link arrives by email.
func (h *accountHandler) passwordReset(c echo.Context) error {
	ctx := c.Request().Context()
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	email, err := checkEmail(in.Email)
	if err != nil {
		return err
	}
	if err := h.limit(c, "reset", email); err != nil {
		return err
	}
	accepted := c.JSON(http.StatusAccepted, map[string]string{"status": "if this address has an account, a reset link is on its way"})
	user, err := h.db.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		h.audit(c, "password reset asked for an unknown address", 0)
		return accepted
	} else if err != nil {
		return err
	}
	token, hash := newAccountToken()
	if err := h.tokens.DeleteAccountTokens(ctx, user.ID, store.TokenResetPassword); err != nil {
		return err
	}
	if err := h.tokens.CreateAccountToken(ctx, store.AccountToken{Hash: hash, UserID: user.ID, Purpose: store.TokenResetPassword,
		Email: user.Email, ExpiresAt: time.Now().Add(resetTokenTTL)}); err != nil {
		return err
	}
	h.sendAccountMail(ctx, user.Email, "password_reset", map[string]any{
		"Email": user.Email, "Link": h.baseURL + "/reset-password?token=" + url.QueryEscape(token), "Expires": "1 hour",
	})
	h.audit(c, "password reset link sent", user.ID)
	return accepted
}

// passwordResetConfirm is POST /api/auth/password-reset/confirm {token,
// password}: the new password is set, every session ends (signs out
// everywhere) and the owner is told by email. The link also proves the
// address, so it counts as verified.
func (h *accountHandler) passwordResetConfirm(c echo.Context) error {
	ctx := c.Request().Context()
	if err := h.limit(c, "reset_confirm", ""); err != nil {
		return err
	}
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	// The password is checked before the token is spent, so a weak one
	// can be corrected with the same link.
	hash, err := auth.HashPassword(in.Password)
	if errors.Is(err, auth.ErrWeakPassword) {
		return apiError(http.StatusBadRequest, "weak_password", err.Error())
	} else if err != nil {
		return err
	}
	t, err := h.tokens.UseAccountToken(ctx, tokenHash(in.Token), store.TokenResetPassword, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return apiError(http.StatusBadRequest, "invalid_token", "this reset link is unknown, used or expired: ask for a new one")
	} else if err != nil {
		return err
	}
	user, err := h.db.UserByID(ctx, t.UserID)
	if err != nil {
		return err
	}
	if err := h.db.SetPassword(ctx, user.ID, hash); err != nil {
		return err
	}
	if err := h.db.DeleteUserSessions(ctx, user.ID); err != nil {
		return err
	}
	if strings.EqualFold(user.Email, t.Email) {
		if err := h.tokens.SetEmailVerified(ctx, user.ID, time.Now()); err != nil {
			return err
		}
	}
	h.audit(c, "password reset by emailed link; every session ended", user.ID)
	h.securityNotice(c, user, "Your Footfall password was changed",
		"The password of "+user.Email+" was reset with an emailed link, and every session was signed out.")
	return c.JSON(http.StatusOK, map[string]string{"status": "password changed: sign in with the new one"})
}

// securityNotice emails the user about a change to their account, with
// when, from which device and from where.
func (h *accountHandler) securityNotice(c echo.Context, user store.User, title, summary string) {
	loc := h.location(c)
	if loc == "" {
		loc = "unknown"
	}
	h.sendAccountMail(c.Request().Context(), user.Email, "security", map[string]any{
		"Title": title, "Summary": summary,
		"Time":   time.Now().UTC().Format("Monday, 2 January 2006 15:04 MST"),
		"Device": h.device(c.Request().UserAgent()), "Location": loc,
		"Link": h.baseURL + "/account",
	})
}

// noticeDevice remembers the device a user signed in from and, when it
// is new to them and notify is set, emails a sign-in notice. A device is
// the browser family and OS (versions dropped: updates are not new
// devices) and the country signed in from.
func (h *accountHandler) noticeDevice(c echo.Context, user store.User, notify bool) {
	if h.tokens == nil {
		return
	}
	var family []string
	for _, w := range strings.Fields(h.device(c.Request().UserAgent())) {
		if !strings.ContainsFunc(w, unicode.IsDigit) {
			family = append(family, w)
		}
	}
	country := h.location(c)
	if i := strings.LastIndex(country, ", "); i >= 0 {
		country = country[i+2:]
	}
	sum := sha256.Sum256([]byte(strings.Join(family, " ") + "|" + country))
	isNew, err := h.tokens.RememberDevice(c.Request().Context(), user.ID, sum[:], time.Now())
	if err != nil {
		h.auth.logger.Error("known devices", "err", err)
		return
	}
	if isNew && notify {
		h.securityNotice(c, user, "New sign-in to your Footfall account",
			"Your account "+user.Email+" was signed in to from a device it had not used before.")
	}
}

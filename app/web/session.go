package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// Session cookie and lifetimes. A session ends after sessionIdle without
// use, and sessionMax after sign-in whatever the use; use moves the idle
// expiry forward at most once per sessionTouch, so a busy dashboard does
// not turn every read into a write.
const (
	sessionCookie = "footfall_session"
	csrfHeader    = "X-CSRF-Token"
	sessionIdle   = 14 * 24 * time.Hour
	sessionMax    = 90 * 24 * time.Hour
	sessionTouch  = time.Minute
)

// Accounts is the part of the app store behind sign-in and sessions.
type Accounts interface {
	Credentials
	UserByEmail(ctx context.Context, email string) (store.User, error)
	HasUsers(ctx context.Context) (bool, error)
	CreateUser(ctx context.Context, u store.User) (store.User, error)
	CreateFirstUser(ctx context.Context, u store.User) (store.User, error)
	SetPassword(ctx context.Context, userID int64, hash string) error
	CreateAPIKey(ctx context.Context, k store.APIKey) (store.APIKey, error)
	ListAPIKeys(ctx context.Context, userID int64) ([]store.APIKey, error)
	DeleteAPIKey(ctx context.Context, id int64) error

	TOTP(ctx context.Context, userID int64) (store.TOTP, error)
	SetTOTP(ctx context.Context, userID int64, sealed []byte) error
	EnableTOTP(ctx context.Context, userID int64, recoveryHashes [][]byte) error
	DisableTOTP(ctx context.Context, userID int64) error
	UseTOTPStep(ctx context.Context, userID, step int64) error
	UseRecoveryCode(ctx context.Context, userID int64, hash []byte) error

	CreateSession(ctx context.Context, s store.Session) (store.Session, error)
	SessionByHash(ctx context.Context, hash []byte) (store.Session, error)
	ListSessions(ctx context.Context, userID int64) ([]store.Session, error)
	TouchSession(ctx context.Context, id int64, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, userID, id int64) error
	DeleteUserSessions(ctx context.Context, userID int64) error
}

var (
	errUnauthorized = apiError(http.StatusUnauthorized, "unauthorized",
		"sign in, or send Authorization: Bearer <key> (create one with `footfall apikey create`)")
	errSignedOut = apiError(http.StatusUnauthorized, "unauthorized", "not signed in, or the session has ended: sign in again")
	errCSRF      = apiError(http.StatusForbidden, "csrf",
		"missing or wrong "+csrfHeader+" header: send the csrf_token of GET /api/auth/me with every request that changes something")
)

// authenticator resolves a request to its user: by a Bearer API key when
// the request has an Authorization header, else by the session cookie. A
// cookie-authenticated request that may change something (any method but
// GET, HEAD and OPTIONS) must also carry the session's CSRF token in
// X-CSRF-Token; a Bearer request needs none, as no browser adds one on its
// own.
type authenticator struct {
	creds    Credentials
	accounts Accounts      // nil: sessions are not served, cookies ignored
	limiter  store.Limiter // nil: no rate limit on keys
	limit    store.Limit
	logger   *slog.Logger
	// adminTOTP refuses administrators the APIs, by key or session, until
	// they turn on two-factor sign-in (FOOTFALL_ADMIN_2FA=required); their
	// account endpoints stay open so that they can.
	adminTOTP bool
	// lockedOut, if set, names the users staff blocked out: every account
	// they belong to is blocked or deleted (app/staff). They are refused
	// by key and by session.
	lockedOut func(ctx context.Context, userID int64) bool
}

// user authenticates c by API key or session (see authenticator).
func (a *authenticator) user(c echo.Context) (store.User, error) {
	if u, ok := c.Get(userKey).(store.User); ok {
		return u, nil // a middleware authenticated this request already
	}
	var u store.User
	var err error
	if h := c.Request().Header.Get("Authorization"); h != "" || a.accounts == nil {
		var k store.APIKey
		if u, k, err = a.apiKey(c.Request().Context(), h); err == nil {
			c.Set(keyScopesKey, k.Scopes)
		}
	} else if u, _, err = a.session(c); errors.Is(err, errSignedOut) {
		err = errUnauthorized
	}
	if err != nil {
		return store.User{}, err
	}
	if need, err := a.needsTOTP(c.Request().Context(), u); err != nil {
		return store.User{}, err
	} else if need {
		return store.User{}, errTOTPSetupRequired
	}
	if a.blocked(c.Request().Context(), u) {
		return store.User{}, errAccountBlocked
	}
	c.Set(userKey, u)
	return u, nil
}

var errAccountBlocked = apiError(http.StatusForbidden, "account_blocked",
	"every account you belong to is blocked or deleted by the operator, so you cannot sign in; contact the operator")

// blocked reports whether staff blocked u out (never staff themselves).
func (a *authenticator) blocked(ctx context.Context, u store.User) bool {
	return a.lockedOut != nil && !u.Admin && a.lockedOut(ctx, u.ID)
}

var errTOTPSetupRequired = apiError(http.StatusForbidden, "totp_setup_required",
	"administrators must turn on two-factor sign-in first (account settings, or POST /api/auth/totp/setup)")

// needsTOTP reports whether u is an administrator who must turn on
// two-factor sign-in before using the APIs.
func (a *authenticator) needsTOTP(ctx context.Context, u store.User) (bool, error) {
	if !a.adminTOTP || !u.Admin || a.accounts == nil {
		return false, nil
	}
	t, err := a.accounts.TOTP(ctx, u.ID)
	if err != nil {
		return false, err
	}
	return !t.Enabled, nil
}

// apiKey resolves a Bearer API key to its user.
func (a *authenticator) apiKey(ctx context.Context, header string) (store.User, store.APIKey, error) {
	key, ok := strings.CutPrefix(header, "Bearer ")
	key = strings.TrimSpace(key)
	if !ok || !auth.LooksLikeAPIKey(key) {
		return store.User{}, store.APIKey{}, errUnauthorized
	}
	k, err := a.creds.APIKeyByHash(ctx, auth.HashAPIKey(key))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.APIKey{}, errUnauthorized
	}
	if err != nil {
		return store.User{}, store.APIKey{}, err
	}
	if err := a.rateLimit(ctx, k); err != nil {
		return store.User{}, store.APIKey{}, err
	}
	user, err := a.creds.UserByID(ctx, k.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.APIKey{}, errUnauthorized
	}
	if err != nil {
		return store.User{}, store.APIKey{}, err
	}
	// Last-used time at minute resolution: enough for people, and it keeps
	// a busy API client from turning every read into a write.
	if now := time.Now(); now.Sub(k.LastUsedAt) > time.Minute {
		if err := a.creds.TouchAPIKey(ctx, k.ID, now); err != nil {
			return store.User{}, store.APIKey{}, err
		}
	}
	return user, k, nil
}

// rateLimit counts one call against the key's budget. A limiter that
// fails lets the call through: the API must not go down with it.
func (a *authenticator) rateLimit(ctx context.Context, k store.APIKey) error {
	if a.limiter == nil {
		return nil
	}
	al, err := a.limiter.Allow(ctx, "apikey:"+strconv.FormatInt(k.ID, 10), a.limit)
	if err != nil {
		a.logger.Warn("rate limiter failed; letting the call through", "err", err)
		return nil
	}
	if al.Allowed {
		return nil
	}
	return rateLimited(fmt.Sprintf("this API key made more than %d requests in the last %s", a.limit.Rate, a.limit.Period), al.RetryAfter)
}

// rateLimited is the 429 answer: what happened, and when to try again.
func rateLimited(what string, retry time.Duration) *Error {
	e := apiError(http.StatusTooManyRequests, "rate_limited",
		fmt.Sprintf("%s; try again in %s", what, max(retry.Round(time.Second), time.Second)))
	e.RetryAfter = max(int(math.Ceil(retry.Seconds())), 1)
	return e
}

// session resolves the session cookie to its user and session, checking
// the CSRF header when the method may change something. It answers
// errSignedOut for a missing, malformed, unknown or expired session, and
// moves the idle expiry forward.
func (a *authenticator) session(c echo.Context) (store.User, store.Session, error) {
	if a.accounts == nil {
		return store.User{}, store.Session{}, errSignedOut
	}
	ctx := c.Request().Context()
	s, err := a.lookup(c)
	if err != nil {
		return store.User{}, store.Session{}, err
	}
	now := time.Now()
	if !now.Before(s.ExpiresAt) || !now.Before(s.CreatedAt.Add(sessionMax)) {
		return store.User{}, store.Session{}, errSignedOut
	}
	if !safeMethod(c.Request().Method) && !auth.CSRFMatch(s.CSRFToken, c.Request().Header.Get(csrfHeader)) {
		return store.User{}, store.Session{}, errCSRF
	}
	user, err := a.accounts.UserByID(ctx, s.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Session{}, errSignedOut
	}
	if err != nil {
		return store.User{}, store.Session{}, err
	}
	if a.blocked(ctx, user) {
		// Signed out for the dashboard, which then shows the sign-in
		// form; signing in says why (account_blocked).
		return store.User{}, store.Session{}, errSignedOut
	}
	if now.Sub(s.LastSeenAt) >= sessionTouch {
		expires := now.Add(sessionIdle)
		if limit := s.CreatedAt.Add(sessionMax); expires.After(limit) {
			expires = limit
		}
		err := a.accounts.TouchSession(ctx, s.ID, now, expires)
		switch {
		case errors.Is(err, store.ErrNotFound): // signed out meanwhile
			return store.User{}, store.Session{}, errSignedOut
		case err != nil:
			// The session is valid until its stored expiry; a failed
			// write only means it is not extended this time.
			a.logger.Warn("extending a session failed", "err", err)
		default:
			s.LastSeenAt, s.ExpiresAt = now, expires
		}
	}
	return user, s, nil
}

// lookup finds the session the request's cookie names, expired or not.
func (a *authenticator) lookup(c echo.Context) (store.Session, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil {
		return store.Session{}, errSignedOut
	}
	hash, ok := auth.ParseSessionToken(ck.Value)
	if !ok {
		return store.Session{}, errSignedOut
	}
	s, err := a.accounts.SessionByHash(c.Request().Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, errSignedOut
	}
	return s, err
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

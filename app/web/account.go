package web

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/footfallhq/footfall/app/auth"
	footfallmail "github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// accountLimits are the rate limits of the account endpoints, by kind:
// each attempt counts against the client address and, where the request
// names an account, against that account too. Beyond them: 429 with
// Retry-After.
var accountLimits = map[string]struct {
	limit store.Limit
	what  string // "sign-in attempts", for the answer
}{
	"login":    {store.PerMinute(5), "sign-in attempts"},
	"setup":    {store.PerMinute(5), "setup attempts"},
	"signup":   {store.Limit{Rate: 5, Period: time.Hour, Burst: 5}, "sign-ups"},
	"password": {store.PerMinute(5), "password changes"},
	"totp":     {store.PerMinute(5), "two-factor changes"},
	// Mail (accountmail.go): resets 3 an hour per address and per client.
	"reset":         {store.Limit{Rate: 3, Period: time.Hour, Burst: 3}, "password reset requests"},
	"reset_confirm": {store.PerMinute(5), "password reset attempts"},
	"verify":        {store.PerMinute(10), "verification attempts"},
	"verify_resend": {store.Limit{Rate: 3, Period: time.Hour, Burst: 3}, "verification emails"},
}

// accountMaxBody bounds a sign-in or setup body: an email and a password
// of at most 1,024 characters, JSON-escaped.
const accountMaxBody = 16 << 10

// accountHandler serves /api/auth/…: the first-run setup, sign-in and
// sign-out, and the signed-in user's sessions.
type accountHandler struct {
	db        Accounts
	auth      *authenticator
	limiter   store.Limiter // nil: sign-in is not rate-limited
	secretKey string
	baseURL   string
	// registration is FOOTFALL_REGISTRATION: who may sign up (open,
	// invite, closed); empty means invite.
	registration   string
	mailConfigured bool
	mailer         footfallmail.Mailer // nil: no account mail
	tokens         store.AccountMail   // nil: no verification, resets, device notices
	device         func(userAgent string) string
	locate         func(ip string) string // nil: no location
	// hasUsers caches "some user exists": once true it stays true (users
	// are never all deleted), so /me stops asking the database.
	hasUsers atomic.Bool
}

func newAccountHandler(d Deps, au *authenticator) *accountHandler {
	h := &accountHandler{db: d.Accounts, auth: au, limiter: d.Limiter, secretKey: d.SecretKey, baseURL: d.BaseURL,
		registration: d.Registration, device: d.Device, locate: d.Locate, mailConfigured: d.MailConfigured,
		mailer: d.Mail, tokens: d.AccountMail}
	if h.device == nil {
		h.device = shortUA
	}
	return h
}

// userJSON is the signed-in user as /api/auth/… show it.
type userJSON struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Admin bool   `json:"admin"`
	TOTP  bool   `json:"totp_enabled"` // two-factor sign-in is on
	// TOTPRequired: an administrator who must turn two-factor on before
	// anything else works (FOOTFALL_ADMIN_2FA=required).
	TOTPRequired bool `json:"totp_required"`
	// EmailVerified is false until the user opened the link emailed at
	// sign-up: the UI shows a banner (with POST /api/auth/verify/resend).
	EmailVerified bool `json:"email_verified"`
}

// meJSON is the answer of /me, setup and login.
type meJSON struct {
	User        userJSON `json:"user"`
	CSRFToken   string   `json:"csrf_token"`
	SetupNeeded bool     `json:"setup_needed"`
	// MailConfigured is false when no SMTP server is set: mail is only
	// logged, so the UI can say that no email will arrive.
	MailConfigured bool `json:"mail_configured"`
}

// credentialsJSON is the body of setup and login.
type credentialsJSON struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Token    string `json:"token"` // the setup token (setup only)
	// Code is the second factor at login, for users who enabled it: a
	// code of their authenticator app or a recovery code.
	Code string `json:"code"`
}

// setupNeeded reports whether no user exists yet.
func (h *accountHandler) setupNeeded(ctx context.Context) (bool, error) {
	if h.hasUsers.Load() {
		return false, nil
	}
	has, err := h.db.HasUsers(ctx)
	if err != nil {
		return false, err
	}
	if has {
		h.hasUsers.Store(true)
	}
	return !has, nil
}

// me is GET /api/auth/me: who is signed in, and the CSRF token their
// writes must carry. Signed out, it is a 401 that also says whether the
// instance still needs its first-run setup.
func (h *accountHandler) me(c echo.Context) error {
	user, s, err := h.auth.session(c)
	if errors.Is(err, errSignedOut) {
		needed, nerr := h.setupNeeded(c.Request().Context())
		if nerr != nil {
			return nerr
		}
		if _, cerr := c.Cookie(sessionCookie); cerr == nil {
			h.clearCookie(c)
		}
		return c.JSON(http.StatusUnauthorized, map[string]any{
			"error": errSignedOut.Message, "code": errSignedOut.Code, "setup_needed": needed,
			"registration": h.registrationMode(),
			// The sign-up and password-reset pages say when no mail
			// will arrive (it is only logged).
			"mail_configured": h.mailConfigured,
		})
	}
	if err != nil {
		return err
	}
	me, err := h.meFor(c.Request().Context(), user, s)
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, me)
}

func toUserJSON(u store.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Admin: u.Admin}
}

// setup is POST /api/auth/setup: while no user exists, it creates the
// owner (an admin) and signs them in. A request from another machine must
// carry the setup token the server logs at start, so that a fresh public
// server cannot be claimed by whoever finds it first.
func (h *accountHandler) setup(c echo.Context) error {
	ctx := c.Request().Context()
	if err := h.limit(c, "setup", ""); err != nil {
		return err
	}
	var in credentialsJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	needed, err := h.setupNeeded(ctx)
	if err != nil {
		return err
	}
	if !needed {
		return errSetupDone
	}
	if !h.localSetup(c.Request()) && !auth.SetupTokenMatch(h.secretKey, strings.TrimSpace(in.Token)) {
		return apiError(http.StatusForbidden, "setup_token",
			"the setup token is missing or wrong: open the setup link the server printed in its log at start (…/setup?token=…)")
	}
	email, err := checkEmail(in.Email)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(in.Password)
	if errors.Is(err, auth.ErrWeakPassword) {
		return apiError(http.StatusBadRequest, "weak_password", err.Error())
	} else if err != nil {
		return err
	}
	user, err := h.db.CreateFirstUser(ctx, store.User{Email: email, PasswordHash: hash, Admin: true})
	if errors.Is(err, store.ErrConflict) {
		h.hasUsers.Store(true)
		return errSetupDone
	} else if err != nil {
		return err
	}
	h.hasUsers.Store(true)
	h.audit(c, "owner account created at setup", user.ID)
	if h.tokens != nil {
		// The owner configured the instance: nobody to verify them to.
		if err := h.tokens.SetEmailVerified(ctx, user.ID, time.Now()); err != nil {
			return err
		}
	}
	h.noticeDevice(c, user, false)
	return h.signIn(c, user)
}

var errSetupDone = apiError(http.StatusConflict, "setup_done", "this instance already has its owner: sign in instead")

// localSetup reports whether a setup request may skip the token because
// it plainly comes from this machine: a loopback peer, no proxy headers,
// a loopback Host and Origin (if any), and a loopback FOOTFALL_BASE_URL.
// Each condition closes a way for a remote request to look local: a
// reverse proxy on the same machine connects from loopback, and not every
// proxy adds X-Forwarded-For; an instance configured with a public URL is
// reached from elsewhere, so its owner takes the token from the log.
func (h *accountHandler) localSetup(r *http.Request) bool {
	if !remoteAddr(r.RemoteAddr).IsLoopback() {
		return false
	}
	for _, name := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip", "Forwarded", "Cf-Connecting-Ip"} {
		if r.Header.Get(name) != "" {
			return false
		}
	}
	if !loopbackHost(r.Host) {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !loopbackHost(u.Host) {
			return false
		}
	}
	u, err := url.Parse(h.baseURL)
	return err == nil && loopbackHost(u.Host)
}

// loopbackHost reports whether host (with or without a port) names this
// machine: localhost or a loopback address.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

func (h *accountHandler) registrationMode() string {
	if h.registration == "" {
		return "invite"
	}
	return h.registration
}

// signup is POST /api/auth/signup: with FOOTFALL_REGISTRATION=open,
// anyone may create an account (not an admin) and is signed in; invite
// and closed refuse. The owner is never created here: an instance without
// users is claimed through the setup link only.
func (h *accountHandler) signup(c echo.Context) error {
	ctx := c.Request().Context()
	if err := h.limit(c, "signup", ""); err != nil {
		return err
	}
	var in credentialsJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	switch h.registrationMode() {
	case "open":
	case "closed":
		return apiError(http.StatusForbidden, "registration_closed", "this instance does not take new accounts")
	default:
		return apiError(http.StatusForbidden, "registration_invite_only", "accounts on this instance are by invitation only: ask its owner")
	}
	needed, err := h.setupNeeded(ctx)
	if err != nil {
		return err
	}
	if needed {
		return apiError(http.StatusConflict, "setup_needed", "this instance has no owner yet: create it with the setup link the server logged at start")
	}
	email, err := checkEmail(in.Email)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(in.Password)
	if errors.Is(err, auth.ErrWeakPassword) {
		return apiError(http.StatusBadRequest, "weak_password", err.Error())
	} else if err != nil {
		return err
	}
	user, err := h.db.CreateUser(ctx, store.User{Email: email, PasswordHash: hash})
	if errors.Is(err, store.ErrConflict) {
		// Saying so reveals that the address has an account; until sign-up
		// confirms addresses by mail, there is no quieter honest answer.
		return apiError(http.StatusConflict, "email_taken", "an account with this email exists: sign in instead")
	} else if err != nil {
		return err
	}
	h.audit(c, "account created at sign-up", user.ID)
	if h.tokens != nil {
		if err := h.sendVerification(ctx, user); err != nil {
			return err
		}
	}
	h.noticeDevice(c, user, false)
	return h.signIn(c, user)
}

// login is POST /api/auth/login: email and password to a new session.
// Unknown email and wrong password get the same answer in about the same
// time; attempts are limited per email and per client address.
func (h *accountHandler) login(c echo.Context) error {
	ctx := c.Request().Context()
	var in credentialsJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if err := h.limit(c, "login", email); err != nil {
		return err
	}
	invalid := apiError(http.StatusUnauthorized, "invalid_credentials", "wrong email or password")
	if utf8.RuneCountInString(in.Password) > 1024 {
		auth.CheckNoPassword(in.Password[:1024])
		return invalid
	}
	user, err := h.db.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		auth.CheckNoPassword(in.Password)
		h.audit(c, "sign-in refused", 0, "reason", "unknown email")
		return invalid
	} else if err != nil {
		return err
	}
	if !h.checkPassword(user, in.Password) {
		h.audit(c, "sign-in refused", user.ID, "reason", "wrong password")
		return invalid
	}
	if err := h.secondFactor(ctx, user, in.Code); err != nil {
		if errors.Is(err, errInvalidCode) {
			h.audit(c, "sign-in refused", user.ID, "reason", "wrong second-factor code")
		}
		return err
	}
	if h.auth.blocked(ctx, user) {
		h.audit(c, "sign-in refused", user.ID, "reason", "accounts blocked or deleted")
		return errAccountBlocked
	}
	h.audit(c, "signed in", user.ID)
	h.noticeDevice(c, user, true)
	return h.signIn(c, user)
}

// audit logs an account event for the operator: what happened, to which
// user (0: none), and the request id to find the request by. Never an
// email, address or secret: the log is not the place for them.
func (h *accountHandler) audit(c echo.Context, event string, userID int64, attrs ...any) {
	attrs = append([]any{"event", event, "user_id", userID,
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID)}, attrs...)
	h.auth.logger.Info("account: "+event, attrs...)
}

// checkPassword reports whether password is the user's. A user without a
// password (created for API keys only) matches nothing, after the same
// work as a real check.
func (h *accountHandler) checkPassword(user store.User, password string) bool {
	if user.PasswordHash == "" {
		return auth.CheckNoPassword(password)
	}
	ok, err := auth.CheckPassword(user.PasswordHash, password)
	if err != nil {
		h.auth.logger.Warn("a stored password hash cannot be checked", "user_id", user.ID, "err", err)
	}
	return ok
}

// limit counts one attempt of kind (see accountLimits) against the
// client address and, when email is not empty, against the email (hashed:
// limiter keys may sit in Redis, which is no place for addresses). A
// failing limiter lets the attempt through, as for API keys.
func (h *accountHandler) limit(c echo.Context, kind, email string) error {
	if h.limiter == nil {
		return nil
	}
	lim, ok := accountLimits[kind]
	if !ok {
		panic("web: no rate limit for " + kind)
	}
	ctx := c.Request().Context()
	keys := []string{kind + ":ip:" + c.RealIP()}
	if email != "" {
		sum := sha256.Sum256([]byte(email))
		keys = append(keys, kind+":email:"+hex.EncodeToString(sum[:16]))
	}
	var retry time.Duration
	for _, k := range keys {
		a, err := h.limiter.Allow(ctx, k, lim.limit)
		if err != nil {
			h.auth.logger.Warn("rate limiter failed; letting the attempt through", "err", err)
			continue
		}
		if !a.Allowed {
			retry = max(retry, a.RetryAfter)
		}
	}
	if retry > 0 {
		per := "a minute"
		if lim.limit.Period == time.Hour {
			per = "an hour"
		}
		from := "from here"
		if email != "" {
			from = "from here or for this account"
		}
		return rateLimited(fmt.Sprintf("more than %d %s %s %s", lim.limit.Rate, lim.what, per, from), retry)
	}
	return nil
}

// signIn starts a new session for user and answers as /me does. A
// session the browser already had ends: it is replaced, never reused, so
// the new one has a token nobody else could have planted.
func (h *accountHandler) signIn(c echo.Context, user store.User) error {
	s, err := h.startSession(c, user)
	if err != nil {
		return err
	}
	me, err := h.meFor(c.Request().Context(), user, s)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, me)
}

// startSession ends the session the browser had, if any, and starts a new
// one for user, setting its cookie.
func (h *accountHandler) startSession(c echo.Context, user store.User) (store.Session, error) {
	if old, err := h.auth.lookup(c); err == nil {
		if err := h.db.DeleteSession(c.Request().Context(), old.UserID, old.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Session{}, err
		}
	}
	token, hash := auth.NewSessionToken()
	now := time.Now()
	s, err := h.db.CreateSession(c.Request().Context(), store.Session{
		UserID: user.ID, TokenHash: hash, CSRFToken: auth.NewCSRFToken(),
		UserAgent: shortUA(h.device(c.Request().UserAgent())),
		Location:  h.location(c),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(sessionIdle),
	})
	if err != nil {
		return store.Session{}, err
	}
	if err := h.trimSessions(c.Request().Context(), user.ID, now); err != nil {
		return store.Session{}, err
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge:   int(sessionMax / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(c),
	})
	noStore(c)
	return s, nil
}

// maxSessionsPerUser bounds a user's live sessions: far more browsers
// than a person uses, and a script that signs in on every run cannot grow
// the table without bound between the hourly sweeps of expired ones.
const maxSessionsPerUser = 50

// trimSessions ends the user's least recently used sessions beyond
// maxSessionsPerUser, and any expired ones it comes across.
func (h *accountHandler) trimSessions(ctx context.Context, userID int64, now time.Time) error {
	list, err := h.db.ListSessions(ctx, userID)
	if err != nil || len(list) <= maxSessionsPerUser {
		return err
	}
	slices.SortFunc(list, func(a, b store.Session) int {
		return cmp.Or(b.LastSeenAt.Compare(a.LastSeenAt), cmp.Compare(b.ID, a.ID)) // newest first
	})
	for i, s := range list {
		if i < maxSessionsPerUser && now.Before(s.ExpiresAt) {
			continue
		}
		if err := h.db.DeleteSession(ctx, userID, s.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// meFor is the answer of /me for user signed in as s.
func (h *accountHandler) meFor(ctx context.Context, user store.User, s store.Session) (meJSON, error) {
	t, err := h.db.TOTP(ctx, user.ID)
	if err != nil {
		return meJSON{}, err
	}
	u := toUserJSON(user)
	u.TOTP = t.Enabled
	u.TOTPRequired = h.auth.adminTOTP && user.Admin && !t.Enabled
	u.EmailVerified = true
	if h.tokens != nil {
		at, err := h.tokens.EmailVerifiedAt(ctx, user.ID)
		if err != nil {
			return meJSON{}, err
		}
		u.EmailVerified = !at.IsZero()
	}
	return meJSON{User: u, CSRFToken: s.CSRFToken, MailConfigured: h.mailConfigured}, nil
}

// location is where the request comes from, approximately, or "".
func (h *accountHandler) location(c echo.Context) string {
	if h.locate == nil {
		return ""
	}
	return shortUA(h.locate(c.RealIP()))
}

// secure reports whether cookies must be Secure: the request came over
// TLS, or the public URL is https (a proxy terminates TLS in front).
func (h *accountHandler) secure(c echo.Context) bool {
	return c.Request().TLS != nil || strings.HasPrefix(strings.ToLower(h.baseURL), "https://")
}

func (h *accountHandler) clearCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(c),
	})
}

// noStore keeps answers carrying a CSRF token out of every cache.
func noStore(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
}

// logout is POST /api/auth/logout: the session ends and the cookie is
// cleared. Without a valid session there is nothing to end; the cookie is
// cleared all the same.
func (h *accountHandler) logout(c echo.Context) error {
	_, s, err := h.auth.session(c)
	switch {
	case errors.Is(err, errSignedOut):
	case err != nil:
		return err
	default:
		if err := h.db.DeleteSession(c.Request().Context(), s.UserID, s.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	h.clearCookie(c)
	return c.NoContent(http.StatusNoContent)
}

// logoutEverywhere is POST /api/auth/logout-everywhere: every session of
// the user ends, this one included.
func (h *accountHandler) logoutEverywhere(c echo.Context) error {
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	if err := h.db.DeleteUserSessions(c.Request().Context(), user.ID); err != nil {
		return err
	}
	h.audit(c, "signed out everywhere", user.ID)
	h.clearCookie(c)
	return c.NoContent(http.StatusNoContent)
}

// changePassword is POST /api/auth/password {current_password,
// new_password}: a signed-in user replaces their password. Every session
// of theirs ends, this one included, and the browser gets a new one, so a
// session opened with the old password (perhaps by whoever learnt it)
// does not survive the change.
func (h *accountHandler) changePassword(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	if err := h.limit(c, "password", user.Email); err != nil {
		return err
	}
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !h.checkPassword(user, in.Current) {
		return apiError(http.StatusForbidden, "invalid_credentials", "the current password is wrong")
	}
	hash, err := auth.HashPassword(in.New)
	if errors.Is(err, auth.ErrWeakPassword) {
		return apiError(http.StatusBadRequest, "weak_password", err.Error())
	} else if err != nil {
		return err
	}
	if err := h.db.SetPassword(ctx, user.ID, hash); err != nil {
		return err
	}
	if err := h.db.DeleteUserSessions(ctx, user.ID); err != nil {
		return err
	}
	h.audit(c, "password changed; every session ended", user.ID)
	h.securityNotice(c, user, "Your Footfall password was changed",
		"The password of "+user.Email+" was changed, and every other session was signed out.")
	return h.signIn(c, user)
}

// sessionJSON is one of the user's sessions as GET /api/auth/sessions
// lists them.
type sessionJSON struct {
	ID         int64     `json:"id"`
	UserAgent  string    `json:"user_agent"`
	Location   string    `json:"location"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// sessions is GET /api/auth/sessions: the user's live sessions, newest
// first, the one asking marked current.
func (h *accountHandler) sessions(c echo.Context) error {
	user, cur, err := h.auth.session(c)
	if err != nil {
		return err
	}
	list, err := h.db.ListSessions(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]sessionJSON, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		s := list[i]
		if !now.Before(s.ExpiresAt) {
			continue
		}
		if s.ID == cur.ID {
			s = cur // its last use is this request
		}
		out = append(out, sessionJSON{ID: s.ID, UserAgent: s.UserAgent, Location: s.Location, CreatedAt: s.CreatedAt,
			LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, Current: s.ID == cur.ID})
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"sessions": out})
}

// deleteSession is DELETE /api/auth/sessions/:id: that session of the
// user ends (revoking the current one signs this browser out). Another
// user's session answers as a missing one.
func (h *accountHandler) deleteSession(c echo.Context) error {
	user, cur, err := h.auth.session(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err == nil {
		err = h.db.DeleteSession(c.Request().Context(), user.ID, id)
	}
	if err != nil {
		var numErr *strconv.NumError
		if errors.Is(err, store.ErrNotFound) || errors.As(err, &numErr) {
			return apiError(http.StatusNotFound, "session_not_found", "you have no session with that id")
		}
		return err
	}
	if id == cur.ID {
		h.clearCookie(c)
	}
	return c.NoContent(http.StatusNoContent)
}

// decodeJSON reads a JSON body into v. Only JSON is accepted, and never
// from another site: a form on a foreign page could otherwise sign a
// visitor in to an account of the attacker's (login CSRF), since no
// session (and so no CSRF token) exists before sign-in.
func decodeJSON(c echo.Context, v any) error {
	r := c.Request()
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return apiError(http.StatusForbidden, "cross_site", "sign-in from another site is refused")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return apiError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send a JSON body with Content-Type: application/json")
	}
	body, err := readBody(c, accountMaxBody)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apiError(http.StatusBadRequest, "invalid_request", "the body must be a JSON object")
	}
	return nil
}

// checkEmail returns email trimmed and lower case if it is a plain
// address (no display name), else a 400.
func checkEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") && !strings.HasSuffix(email, "@localhost") {
		return "", apiError(http.StatusBadRequest, "invalid_email", "give a plain email address, such as ada@example.com")
	}
	return email, nil
}

// shortUA shortens a browser's description (by default its User-Agent)
// to what the sessions list can show.
func shortUA(ua string) string {
	ua = strings.TrimSpace(ua)
	const limit = 200
	if len(ua) <= limit {
		return strings.ToValidUTF8(ua, "")
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(ua[cut]) {
		cut--
	}
	return strings.ToValidUTF8(ua[:cut], "") + "…"
}

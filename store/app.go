package store

import (
	"context"
	"time"
)

// Site is a website whose traffic is counted. Domain is the lower-case host
// the tracker reports as data-domain ("example.com", no scheme, no port).
type Site struct {
	ID        int64
	Domain    string
	TimeZone  string // IANA name
	OwnerID   int64  // 0 when no owner was given
	CreatedAt time.Time

	// AccountID is the account that owns the site (0: none; only
	// instance administrators reach it). CreateSite given an OwnerID but
	// no AccountID puts the site in the owner's personal account.
	AccountID int64
}

// User is a person who signs in to the dashboard or owns API keys.
type User struct {
	ID           int64
	Email        string // lower case
	PasswordHash string // PHC string (argon2id)
	Admin        bool
	CreatedAt    time.Time
}

// APIKey authorises API calls as its user. Only a hash of the secret is
// stored; Prefix is the first characters of the key, shown in lists.
type APIKey struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string
	Hash       []byte // SHA-256 of the whole key
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used

	// Scopes are what the key may do (ScopeStatsRead…); CreateAPIKey
	// stores [ScopeStatsRead] when none are given.
	Scopes []string
}

// Session is a signed-in browser. The cookie carries a random token; only
// its SHA-256 (TokenHash) is stored, so a copy of the database signs no one
// in. CSRFToken is the value cookie-authenticated writes must echo in a
// header; it is useless without the cookie, so it is stored as is.
type Session struct {
	ID         int64
	UserID     int64
	TokenHash  []byte
	CSRFToken  string
	UserAgent  string // a short description of the browser, for the sessions list
	Location   string // where it signed in from, approximately ("Berlin, DE"); never the IP
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is when the session ends unless touched; callers move it
	// forward on use (idle expiry) but never past their absolute limit.
	ExpiresAt time.Time
}

// TOTP is a user's second factor: a time-based one-time password secret
// (RFC 6238), kept sealed by the application (the store sees only
// ciphertext), and the last time step a code was accepted for, so that no
// code is accepted twice.
type TOTP struct {
	Sealed   []byte // nil: no secret set up
	Enabled  bool   // false while set up but not yet confirmed with a code
	LastStep int64
}

// Salt is a random key for visitor hashing, valid for one UTC day.
type Salt struct {
	Day       string // YYYY-MM-DD, UTC
	Value     []byte // 32 random bytes
	CreatedAt time.Time
}

// SiteGoal is a goal as stored for a site (see Goal for its meaning).
type SiteGoal struct {
	ID     int64
	SiteID int64
	Goal
	CreatedAt time.Time
}

// Funnel is an ordered list of steps a visitor takes within one visit,
// each step a goal (event or page pattern); 2 to 8 steps.
type Funnel struct {
	ID        int64
	SiteID    int64
	Name      string // unique per site
	Steps     []Goal
	CreatedAt time.Time
}

// JobRun is one run of a scheduled job.
type JobRun struct {
	ID         int64
	Job        string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Status     string    // JobRunning, JobOK or JobFailed
	Error      string
}

// JobRun statuses.
const (
	JobRunning = "running"
	JobOK      = "ok"
	JobFailed  = "failed"
)

// App stores application data: sites and their goals and funnels, users,
// their sign-in sessions, keys, salts. Implementations
// (SQLite, PostgreSQL) share migrations numbered alike. Timestamps are
// stored as UTC unix milliseconds. Lookups of missing rows return
// ErrNotFound; inserts violating uniqueness return ErrConflict.
type App interface {
	Accounts
	SharedLinks

	// Migrate applies pending migrations; safe to call at every start and
	// from several processes at once.
	Migrate(ctx context.Context) error

	CreateSite(ctx context.Context, s Site) (Site, error)
	SiteByDomain(ctx context.Context, domain string) (Site, error)
	SiteByID(ctx context.Context, id int64) (Site, error)
	ListSites(ctx context.Context) ([]Site, error)
	// DeleteSite removes the site's row and its goals and funnels; its
	// events are removed by the events store's retention, not here.
	DeleteSite(ctx context.Context, id int64) error
	// UpdateSite changes the domain (stored lower case) and time zone of
	// the site s.ID, leaving its other fields, and returns it as stored.
	// A domain another site has is ErrConflict; a missing site ErrNotFound.
	UpdateSite(ctx context.Context, s Site) (Site, error)

	// CreateUser stores u and, in the same transaction, a personal
	// account named after the email with u as its owner.
	CreateUser(ctx context.Context, u User) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	SetPassword(ctx context.Context, userID int64, hash string) error
	// HasUsers reports whether any user exists, without reading them.
	HasUsers(ctx context.Context) (bool, error)
	// CreateFirstUser stores u as CreateUser does, but only while no user
	// exists at all; otherwise it returns ErrConflict. Of concurrent
	// callers at most one succeeds: it is how the first-run setup claims
	// the instance exactly once.
	CreateFirstUser(ctx context.Context, u User) (User, error)

	// TOTP returns the user's second factor (the zero TOTP when none);
	// ErrNotFound for a missing user.
	TOTP(ctx context.Context, userID int64) (TOTP, error)
	// SetTOTP stores a new, not yet enabled secret for the user, replacing
	// any other and disabling two-factor until EnableTOTP. ErrNotFound for
	// a missing user.
	SetTOTP(ctx context.Context, userID int64, sealed []byte) error
	// EnableTOTP turns the stored secret on and replaces the user's
	// recovery codes with the given hashes, at once. ErrNotFound when the
	// user has no secret set up.
	EnableTOTP(ctx context.Context, userID int64, recoveryHashes [][]byte) error
	// DisableTOTP removes the user's secret and recovery codes; a user
	// without them is not an error.
	DisableTOTP(ctx context.Context, userID int64) error
	// UseTOTPStep records that a code of time step step was accepted, only
	// if step is later than the last one recorded; otherwise (a replayed
	// or older code, or a missing user) it returns ErrConflict.
	UseTOTPStep(ctx context.Context, userID, step int64) error
	// UseRecoveryCode deletes the user's recovery code with that hash, so
	// it works once; ErrNotFound when the user has no such code.
	UseRecoveryCode(ctx context.Context, userID int64, hash []byte) error

	// CreateSession stores s with a new ID (s.ID is ignored) and returns it
	// as stored: CreatedAt now if zero, LastSeenAt CreatedAt if zero, times
	// at millisecond precision. A TokenHash already stored is ErrConflict;
	// a UserID naming no user is ErrNotFound.
	CreateSession(ctx context.Context, s Session) (Session, error)
	// SessionByHash looks a session up by the hash of its token. It returns
	// expired sessions not yet deleted too: callers check ExpiresAt.
	SessionByHash(ctx context.Context, hash []byte) (Session, error)
	// ListSessions returns a user's sessions by ID ascending, expired ones
	// not yet deleted included; none (also for an unknown user) is an
	// empty list.
	ListSessions(ctx context.Context, userID int64) ([]Session, error)
	// TouchSession records a use of the session: LastSeenAt and ExpiresAt
	// become the given times. A missing session is ErrNotFound.
	TouchSession(ctx context.Context, id int64, lastSeen, expires time.Time) error
	// DeleteSession removes a session of the user; ErrNotFound if the user
	// has no session with that id (another user's included).
	DeleteSession(ctx context.Context, userID, id int64) error
	// DeleteUserSessions removes every session of the user (sign out
	// everywhere); a user without sessions is not an error.
	DeleteUserSessions(ctx context.Context, userID int64) error
	// DeleteExpiredSessions removes the sessions whose ExpiresAt is at or
	// before now and returns how many it removed.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	CreateAPIKey(ctx context.Context, k APIKey) (APIKey, error)
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	ListAPIKeys(ctx context.Context, userID int64) ([]APIKey, error)
	DeleteAPIKey(ctx context.Context, id int64) error
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error

	// CreateGoal stores g with a new ID (g.ID is ignored) and returns it
	// as stored: CreatedAt now if zero, at millisecond precision. A goal
	// of the same name on the site is ErrConflict; a SiteID naming no site
	// is ErrNotFound. Callers check the goal (app/sites); the store keeps
	// it as given.
	CreateGoal(ctx context.Context, g SiteGoal) (SiteGoal, error)
	// ListGoals returns the site's goals, oldest first (by CreatedAt, then
	// ID); none, also for an unknown site, is an empty list.
	ListGoals(ctx context.Context, siteID int64) ([]SiteGoal, error)
	// DeleteGoal removes a goal of the site; ErrNotFound if the site has
	// no goal with that id (another site's goal included).
	DeleteGoal(ctx context.Context, siteID, id int64) error

	// CreateFunnel stores f with a new ID, like CreateGoal; its steps come
	// back in the order given. A funnel of the same name on the site is
	// ErrConflict; a SiteID naming no site is ErrNotFound.
	CreateFunnel(ctx context.Context, f Funnel) (Funnel, error)
	// ListFunnels returns the site's funnels, oldest first, like ListGoals.
	ListFunnels(ctx context.Context, siteID int64) ([]Funnel, error)
	// DeleteFunnel removes a funnel of the site; ErrNotFound if the site
	// has none with that id.
	DeleteFunnel(ctx context.Context, siteID, id int64) error

	// StartJobRun records that job started at at and returns the run's id.
	StartJobRun(ctx context.Context, job string, at time.Time) (int64, error)
	// FinishJobRun records how run id ended (JobOK or JobFailed, with the
	// error's text); ErrNotFound if there is no such run.
	FinishJobRun(ctx context.Context, id int64, at time.Time, status, errText string) error
	// JobRuns returns the newest runs of job, newest first, at most limit.
	JobRuns(ctx context.Context, job string, limit int) ([]JobRun, error)
	// LastJobRuns returns, per job name, its newest run and its newest
	// successful run (zero JobRun when none), keyed by job.
	LastJobRuns(ctx context.Context) (last, lastOK map[string]JobRun, err error)
	// DeleteJobRunsBefore removes runs started before t; it returns how
	// many it removed.
	DeleteJobRunsBefore(ctx context.Context, t time.Time) (int64, error)

	// PutSalt stores a salt unless one exists for that day, and returns the
	// one stored (so concurrent creators agree).
	PutSalt(ctx context.Context, s Salt) (Salt, error)
	// Salts returns the stored salts, newest first.
	Salts(ctx context.Context) ([]Salt, error)
	// DeleteSaltsBefore removes salts of days before day (YYYY-MM-DD).
	DeleteSaltsBefore(ctx context.Context, day string) error

	// ReserveIDs reserves n consecutive ids of the named counter and
	// returns the first. No id is handed out twice, across processes and
	// restarts; a new counter starts at 1.
	ReserveIDs(ctx context.Context, counter string, n int64) (first int64, err error)

	// Alert rules and channels, incidents, deliveries, report
	// subscriptions (store/alerts.go).
	Alerts
	// Mail: the outbox (store/outbox.go) and account tokens, verified
	// addresses and known devices (store/accounttokens.go).
	Outbox
	AccountMail

	// Billing: plans, Stripe state, usage (hosted mode; store/billing.go).
	Billing

	// Staff: account blocks, deletion, announcements, the audit log
	// (store/staff.go).
	Staff

	// Ping reports whether the database is reachable.
	Ping(ctx context.Context) error
	Close() error
}

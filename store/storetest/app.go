package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// RunApp runs the store.App conformance suite. Every backend (SQLite,
// PostgreSQL) must pass it unchanged, so it checks only what the contract
// promises, plus the conventions that callers rely on and backends must
// share:
//
//   - ListSites and ListUsers return rows by ID ascending, ListAPIKeys
//     likewise; an empty result has length 0 (nil or not).
//   - Create* ignore the ID they are given, assign a new one, lower-case
//     emails and domains, set a zero CreatedAt to now, and return the row
//     as stored: times at millisecond precision.
//   - DeleteSite, DeleteAPIKey, SetPassword and TouchAPIKey of a missing
//     row return ErrNotFound.
//
// open must return a new, empty, migrated store on every call and close it
// with t.Cleanup. Subtests run in parallel, each on its own store.
func RunApp(t *testing.T, open func(t testing.TB) store.App) {
	tests := []struct {
		name string
		run  func(t *testing.T, a store.App)
	}{
		{"CreateSite", appTestCreateSite},
		{"CreateSiteDefaultsCreatedAt", appTestCreateSiteDefaultsCreatedAt},
		{"CreateSiteOwner", appTestCreateSiteOwner},
		{"CreateSiteConflict", appTestCreateSiteConflict},
		{"SiteNotFound", appTestSiteNotFound},
		{"ListSites", appTestListSites},
		{"DeleteSite", appTestDeleteSite},
		{"UpdateSite", appTestUpdateSite},

		{"CreateUser", appTestCreateUser},
		{"CreateUserConflict", appTestCreateUserConflict},
		{"UserNotFound", appTestUserNotFound},
		{"ListUsers", appTestListUsers},
		{"SetPassword", appTestSetPassword},

		{"CreateAPIKey", appTestCreateAPIKey},
		{"CreateAPIKeyConflict", appTestCreateAPIKeyConflict},
		{"APIKeyNotFound", appTestAPIKeyNotFound},
		{"ListAPIKeys", appTestListAPIKeys},
		{"TouchAPIKey", appTestTouchAPIKey},
		{"DeleteAPIKey", appTestDeleteAPIKey},
		{"Goals", appTestGoals},
		{"Sessions", appTestSessions},
		{"TOTP", appTestTOTP},
		{"JobRuns", appTestJobRuns},
		{"Alerts", appTestAlerts},
		{"Outbox", appTestOutbox},
		{"OutboxConcurrentClaims", appTestOutboxConcurrentClaims},
		{"AccountTokens", appTestAccountTokens},
		{"EmailVerified", appTestEmailVerified},
		{"KnownDevices", appTestKnownDevices},
		{"SharedLinks", appTestSharedLinks},
		{"Billing", appTestBilling},

		{"PutSalt", appTestPutSalt},
		{"PutSaltConcurrent", appTestPutSaltConcurrent},
		{"Salts", appTestSalts},
		{"DeleteSaltsBefore", appTestDeleteSaltsBefore},

		{"ReserveIDs", appTestReserveIDs},
		{"ReserveIDsConcurrent", appTestReserveIDsConcurrent},

		{"Migrate", appTestMigrate},
		{"MigrateConcurrent", appTestMigrateConcurrent},
		{"ConcurrentWrites", appTestConcurrentWrites},
		{"Ping", appTestPing},
	}
	tests = append(tests, appAccountTests...)
	tests = append(tests, appStaffTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// appTime is a fixed instant with sub-millisecond digits, outside UTC, so
// tests see both the truncation and the time zone handling.
var appTime = time.Date(2025, 3, 14, 15, 9, 26, 535_897_932, time.FixedZone("UTC+2", 2*60*60))

// appMS is t as a backend returns it: millisecond precision.
func appMS(t time.Time) time.Time {
	return t.Truncate(time.Millisecond)
}

// appWantErr fails unless errors.Is(err, want).
func appWantErr(t testing.TB, call string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", call, err, want)
	}
}

// appUser creates a user with the given email or fails the test.
func appUser(t testing.TB, a store.App, email string) store.User {
	t.Helper()
	u, err := a.CreateUser(t.Context(), store.User{Email: email, PasswordHash: "$argon2id$test", CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return u
}

// appWithin fails unless got lies in [from, to] at millisecond precision,
// for timestamps a backend sets itself.
func appWithin(t testing.TB, call string, got, from, to time.Time) {
	t.Helper()
	if got.Before(appMS(from)) || got.After(to) {
		t.Errorf("%s: CreatedAt = %v, want within [%v, %v]", call, got, appMS(from), to)
	}
}

func appTestMigrate(t *testing.T, a store.App) {
	ctx := t.Context()
	site, err := a.CreateSite(ctx, store.Site{Domain: "example.com", TimeZone: "UTC"})
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	for i := range 2 {
		if err := a.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d on a migrated store: %v", i+1, err)
		}
	}
	got, err := a.SiteByID(ctx, site.ID)
	if err != nil || !got.CreatedAt.Equal(site.CreatedAt) || got.Domain != site.Domain {
		t.Errorf("SiteByID(%d) after Migrate = %+v, %v; want %+v", site.ID, got, err, site)
	}
}

func appTestMigrateConcurrent(t *testing.T, a store.App) {
	errs := appParallel(4, func(int) error { return a.Migrate(t.Context()) })
	for _, err := range errs {
		t.Errorf("concurrent Migrate: %v", err)
	}
}

// appTestConcurrentWrites checks that writes racing from many goroutines
// all succeed: a backend with a single writer must queue them, never fail
// with a "database is busy" error.
func appTestConcurrentWrites(t *testing.T, a store.App) {
	ctx := t.Context()
	const n = 16
	errs := appParallel(n, func(i int) error {
		u, err := a.CreateUser(ctx, store.User{Email: fmt.Sprintf("user%d@example.com", i)})
		if err != nil {
			return err
		}
		if err := a.SetPassword(ctx, u.ID, fmt.Sprintf("hash%d", i)); err != nil {
			return err
		}
		if _, err := a.CreateSite(ctx, store.Site{Domain: fmt.Sprintf("site%d.example.com", i), OwnerID: u.ID}); err != nil {
			return err
		}
		k, err := a.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Name: "ci", Hash: fmt.Appendf(nil, "key-%02d", i)})
		if err != nil {
			return err
		}
		if err := a.TouchAPIKey(ctx, k.ID, appTime); err != nil {
			return err
		}
		_, err = a.PutSalt(ctx, store.Salt{Day: fmt.Sprintf("2025-01-%02d", i%4+1), Value: []byte{byte(i)}})
		return err
	})
	for _, err := range errs {
		t.Errorf("concurrent write: %v", err)
	}

	users, err := a.ListUsers(ctx)
	if err != nil || len(users) != n {
		t.Errorf("ListUsers() = %d users, %v; want %d", len(users), err, n)
	}
	sites, err := a.ListSites(ctx)
	if err != nil || len(sites) != n {
		t.Errorf("ListSites() = %d sites, %v; want %d", len(sites), err, n)
	}
	salts, err := a.Salts(ctx)
	if err != nil || len(salts) != 4 {
		t.Errorf("Salts() = %d salts, %v; want 4", len(salts), err)
	}
}

func appTestPing(t *testing.T, a store.App) {
	if err := a.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// appParallel runs f(0) … f(n-1) at once, released together to maximise
// contention, and returns the errors.
func appParallel(n int, f func(i int) error) []error {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		errs  []error
	)
	for i := range n {
		wg.Go(func() {
			<-start
			if err := f(i); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("goroutine %d: %w", i, err))
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return errs
}

package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/ingest"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

// siteIngester stands for the write path: it looks the body's site up
// (always the one site here), asks Admit as the real one does, and keeps
// the client it was given.
type siteIngester struct {
	site store.Site
	last ingest.Client
}

func (s *siteIngester) Ingest(_ context.Context, _ []byte, c ingest.Client) error {
	if c.Admit != nil {
		if err := c.Admit(s.site); err != nil {
			return err
		}
	}
	s.last = c
	return nil
}

func eventTest(t *testing.T) (*echo429, *sqlite.Store, *siteIngester) {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	alice, _ := db.CreateUser(ctx, store.User{Email: "alice@example.com"})
	site, err := db.CreateSite(ctx, store.Site{Domain: "alice.example", TimeZone: "UTC", OwnerID: alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	in := &siteIngester{site: site}
	h := New(Deps{Logger: slog.New(slog.DiscardHandler), Ingester: in, Credentials: db, Accounts: db, Sites: db,
		Registry: prometheus.NewRegistry()})
	return &echo429{h: h}, db, in
}

type echo429 struct{ h http.Handler }

func (e *echo429) post(key, xff string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/api/event", strings.NewReader(`{"n":"pageview","u":"https://alice.example/","d":"alice.example"}`))
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec
}

// TestIngestRateLimitPerAddress: past the burst, one address gets 429
// with Retry-After and a JSON sentence, and CORS headers so the tracker
// can read it.
func TestIngestRateLimitPerAddress(t *testing.T) {
	e, _, _ := eventTest(t)
	limited := 0
	var last *httptest.ResponseRecorder
	for i := range 600 {
		rec := e.post("", "")
		if rec.Code == http.StatusTooManyRequests {
			limited++
			last = rec
		} else if rec.Code != http.StatusAccepted {
			t.Fatalf("event %d = %d %s", i, rec.Code, rec.Body)
		} else if limited > 0 && i < 500 {
			t.Fatalf("event %d refused within the burst", i)
		}
	}
	if limited == 0 {
		t.Fatalf("600 events at once from one address: none refused, want 429 past the burst of 500")
	}
	var body struct{ Error, Code string }
	if err := json.Unmarshal(last.Body.Bytes(), &body); err != nil || body.Code != "rate_limited" || !strings.Contains(body.Error, "try again") {
		t.Errorf("429 body = %s", last.Body)
	}
	if last.Header().Get("Retry-After") == "" || last.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("429 headers = %v, want Retry-After and CORS", last.Header())
	}
}

// TestEventsWriteScope: a server sending events for its visitors needs a
// key with events:write, for a site its user may edit; the visitor's
// address is then the X-Forwarded-For one.
func TestEventsWriteScope(t *testing.T) {
	e, db, in := eventTest(t)
	ctx := t.Context()
	alice, _ := db.UserByEmail(ctx, "alice@example.com")
	bob, _ := db.CreateUser(ctx, store.User{Email: "bob@example.com"})
	newKey := func(u store.User, scopes ...string) string {
		key, prefix, hash := auth.NewAPIKey()
		if _, err := db.CreateAPIKey(ctx, store.APIKey{UserID: u.ID, Prefix: prefix, Hash: hash, Scopes: scopes}); err != nil {
			t.Fatal(err)
		}
		return key
	}
	for _, tc := range []struct {
		name, key string
		status    int
		code      string
	}{
		{"a malformed key", "nope", http.StatusUnauthorized, "unauthorized"},
		{"a stats:read key", newKey(alice, store.ScopeStatsRead), http.StatusForbidden, "insufficient_scope"},
		{"another account's key", newKey(bob, store.ScopeEventsWrite), http.StatusNotFound, "unknown_site"},
	} {
		rec := e.post(tc.key, "203.0.113.9")
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), `"code":"`+tc.code+`"`) {
			t.Errorf("POST /api/event with %s = %d %s, want %d %s", tc.name, rec.Code, rec.Body, tc.status, tc.code)
		}
	}
	key := newKey(alice, store.ScopeEventsWrite)
	if rec := e.post(key, "not-an-address"); rec.Code != http.StatusBadRequest {
		t.Errorf("POST /api/event with a bad X-Forwarded-For = %d %s, want 400", rec.Code, rec.Body)
	}
	if rec := e.post(key, "203.0.113.9, 10.0.0.1"); rec.Code != http.StatusAccepted {
		t.Fatalf("POST /api/event with alice's events:write key = %d %s, want 202", rec.Code, rec.Body)
	}
	if want := netip.MustParseAddr("203.0.113.9"); in.last.IP != want {
		t.Errorf("visitor address = %v, want %v from X-Forwarded-For", in.last.IP, want)
	}
	// Without a key, X-Forwarded-For from an untrusted peer is ignored.
	if rec := e.post("", "203.0.113.77"); rec.Code != http.StatusAccepted || in.last.IP == netip.MustParseAddr("203.0.113.77") {
		t.Errorf("anonymous event with X-Forwarded-For: %d, address %v; want 202 and the peer's address", rec.Code, in.last.IP)
	}
}

// TestInvitationAcceptRateLimit: guessing invitation tokens stops at ten
// tries a minute per address.
func TestInvitationAcceptRateLimit(t *testing.T) {
	at := newAccountTest(t, accountOptions{limited: true})
	for i := range 10 {
		at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"AAAA","password":"correct horse battery"}`), nil).
			want(t, "accept try "+itoa(i+1), http.StatusNotFound, "invitation_invalid")
	}
	r := at.send(t, req("POST", "/api/auth/invitations/accept", `{"token":"AAAA","password":"correct horse battery"}`), nil)
	r.want(t, "accept try 11", http.StatusTooManyRequests, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}

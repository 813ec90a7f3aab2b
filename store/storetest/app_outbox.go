package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appTestOutbox: messages are queued, claimed once, retried at the time
// given, given up (and kept), delivered, counted and pruned.
func appTestOutbox(t *testing.T, a store.App) {
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	in := store.OutboxMail{Kind: "security", To: []string{"ann@example.test", "Bob <bob@example.test>"},
		Subject: "New sign-in", Text: "text", HTML: "<p>html</p>", ListUnsubscribe: "https://stats.example.test/u?t=x", CreatedAt: t0}
	id1, err := a.EnqueueMail(ctx, in)
	if err != nil {
		t.Fatalf("EnqueueMail: %v", err)
	}
	later := in
	later.Subject, later.CreatedAt, later.NextAttemptAt = "later", t0, t0.Add(time.Hour)
	id2, err := a.EnqueueMail(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.OutboxMail(ctx, id1)
	want := in
	want.ID, want.NextAttemptAt = id1, t0
	if err != nil || !cmp.Equal(want, got) {
		t.Fatalf("OutboxMail(%d) = %+v, %v; want %+v", id1, got, err, want)
	}
	if _, err := a.OutboxMail(ctx, id2+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("OutboxMail(missing) error = %v, want ErrNotFound", err)
	}

	claim := func(token string, now time.Time, id int64) []store.OutboxMail {
		t.Helper()
		ms, err := a.ClaimMail(ctx, store.MailClaim{Token: token, Now: now, Until: now.Add(10 * time.Minute), Limit: 10, ID: id})
		if err != nil {
			t.Fatalf("ClaimMail(%s): %v", token, err)
		}
		return ms
	}
	ids := func(ms []store.OutboxMail) []int64 {
		out := []int64{}
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	// Only the due one; the claim counts an attempt.
	c1 := claim("a", t0, 0)
	if !cmp.Equal(ids(c1), []int64{id1}) || c1[0].Attempts != 1 || c1[0].Subject != in.Subject || len(c1[0].To) != 2 || c1[0].ListUnsubscribe != in.ListUnsubscribe {
		t.Fatalf("ClaimMail(t0) = %+v, want message %d with 1 attempt", c1, id1)
	}
	// Held by a's claim until it lapses.
	if c := claim("b", t0.Add(time.Minute), 0); len(c) != 0 {
		t.Errorf("ClaimMail during a's claim = %v, want none", ids(c))
	}
	if err := a.MarkMailSent(ctx, id1, "b", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkMailSent with another token = %v, want ErrNotFound", err)
	}
	// Failed: due again at the retry time, not before.
	if err := a.MarkMailFailed(ctx, id1, "a", t0.Add(time.Second), "connection refused", t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("MarkMailFailed: %v", err)
	}
	if c := claim("b", t0.Add(time.Minute), 0); len(c) != 0 {
		t.Errorf("ClaimMail before the retry time = %v, want none", ids(c))
	}
	c2 := claim("b", t0.Add(2*time.Minute), 0)
	if !cmp.Equal(ids(c2), []int64{id1}) || c2[0].Attempts != 2 || c2[0].LastError != "connection refused" {
		t.Fatalf("ClaimMail at the retry time = %+v, want %d with 2 attempts and the last error", c2, id1)
	}
	// The claim lapses (b died): c takes it over, b can no longer mark it.
	c3 := claim("c", t0.Add(13*time.Minute), 0)
	if !cmp.Equal(ids(c3), []int64{id1}) {
		t.Fatalf("ClaimMail after the claim lapsed = %v, want [%d]", ids(c3), id1)
	}
	if err := a.MarkMailFailed(ctx, id1, "b", t0, "late", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkMailFailed with a lapsed claim = %v, want ErrNotFound", err)
	}
	if err := a.MarkMailSent(ctx, id1, "c", t0.Add(14*time.Minute)); err != nil {
		t.Fatalf("MarkMailSent: %v", err)
	}
	if got, _ := a.OutboxMail(ctx, id1); !got.SentAt.Equal(t0.Add(14*time.Minute)) || got.Attempts != 3 || got.LastError != "" {
		t.Errorf("after MarkMailSent: %+v", got)
	}
	if err := a.MarkMailSent(ctx, id1, "c", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkMailSent twice = %v, want ErrNotFound", err)
	}
	// Claim by ID; then given up: kept, never claimed again.
	if c := claim("d", t0.Add(2*time.Hour), id1); len(c) != 0 {
		t.Errorf("ClaimMail(sent message) = %v", ids(c))
	}
	c4 := claim("d", t0.Add(2*time.Hour), id2)
	if !cmp.Equal(ids(c4), []int64{id2}) {
		t.Fatalf("ClaimMail(ID %d) = %v", id2, ids(c4))
	}
	if err := a.MarkMailFailed(ctx, id2, "d", t0.Add(2*time.Hour), "550 no such user", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if c := claim("e", t0.Add(100*time.Hour), 0); len(c) != 0 {
		t.Errorf("ClaimMail after giving up = %v, want none", ids(c))
	}
	if got, _ := a.OutboxMail(ctx, id2); !got.FailedAt.Equal(t0.Add(2*time.Hour)) || got.LastError != "550 no such user" {
		t.Errorf("given-up message: %+v", got)
	}
	id3, _ := a.EnqueueMail(ctx, store.OutboxMail{To: []string{"c@example.test"}, Subject: "s", Text: "t", CreatedAt: t0})
	counts, err := a.CountMail(ctx)
	if want := map[string]int64{store.MailQueued: 1, store.MailSent: 1, store.MailFailed: 1}; err != nil || !cmp.Equal(counts, want) {
		t.Errorf("CountMail = %v, %v; want %v", counts, err, want)
	}
	// Pruning takes delivered messages only.
	if n, err := a.DeleteSentMailBefore(ctx, t0.Add(14*time.Minute)); err != nil || n != 0 {
		t.Errorf("DeleteSentMailBefore(sent time) = %d, %v; want 0", n, err)
	}
	if n, err := a.DeleteSentMailBefore(ctx, t0.Add(1000*time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteSentMailBefore = %d, %v; want 1", n, err)
	}
	for _, id := range []int64{id2, id3} {
		if _, err := a.OutboxMail(ctx, id); err != nil {
			t.Errorf("OutboxMail(%d) after pruning: %v", id, err)
		}
	}
}

// appTestOutboxConcurrentClaims: claimers racing over many messages each
// get a disjoint share, and every message is handed out once.
func appTestOutboxConcurrentClaims(t *testing.T, a store.App) {
	ctx := t.Context()
	const n = 40
	for i := range n {
		if _, err := a.EnqueueMail(ctx, store.OutboxMail{To: []string{fmt.Sprintf("u%d@example.test", i)}, Subject: "s", Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for w := range 8 {
		wg.Go(func() {
			for {
				ms, err := a.ClaimMail(ctx, store.MailClaim{Token: fmt.Sprint("w", w), Now: now, Until: now.Add(time.Hour), Limit: 3})
				if err != nil {
					t.Errorf("ClaimMail: %v", err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d messages claimed, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("message %d claimed %d times", id, c)
		}
	}
}

// appTestAccountTokens: tokens work once, before they expire, for their
// purpose only.
func appTestAccountTokens(t *testing.T, a store.App) {
	ctx := t.Context()
	u, err := a.CreateUser(ctx, store.User{Email: "tok@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := func(s string) []byte { return bytes.Repeat([]byte(s), 32)[:32] }
	tok := store.AccountToken{Hash: h("a"), UserID: u.ID, Purpose: store.TokenResetPassword, Email: "Tok@Example.test",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := a.CreateAccountToken(ctx, tok); err != nil {
		t.Fatalf("CreateAccountToken: %v", err)
	}
	if err := a.CreateAccountToken(ctx, tok); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateAccountToken(same hash) = %v, want ErrConflict", err)
	}
	if err := a.CreateAccountToken(ctx, store.AccountToken{Hash: h("z"), UserID: u.ID + 99, Purpose: store.TokenVerifyEmail, ExpiresAt: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateAccountToken(missing user) = %v, want ErrNotFound", err)
	}
	if _, err := a.UseAccountToken(ctx, h("a"), store.TokenVerifyEmail, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseAccountToken(other purpose) = %v, want ErrNotFound", err)
	}
	if _, err := a.UseAccountToken(ctx, h("b"), store.TokenResetPassword, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseAccountToken(unknown) = %v, want ErrNotFound", err)
	}
	got, err := a.UseAccountToken(ctx, h("a"), store.TokenResetPassword, t0.Add(time.Minute))
	want := tok
	want.Email = "tok@example.test"
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("UseAccountToken = %+v, %v; want %+v", got, err, want)
	}
	if _, err := a.UseAccountToken(ctx, h("a"), store.TokenResetPassword, t0.Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseAccountToken twice = %v, want ErrNotFound", err)
	}
	// Expired: refused, and pruned.
	exp := tok
	exp.Hash = h("c")
	if err := a.CreateAccountToken(ctx, exp); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UseAccountToken(ctx, h("c"), store.TokenResetPassword, t0.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseAccountToken(expired) = %v, want ErrNotFound", err)
	}
	if n, err := a.DeleteExpiredAccountTokens(ctx, t0.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredAccountTokens = %d, %v; want 1", n, err)
	}
	// Deleting by purpose.
	for _, p := range []struct{ h, purpose string }{{"d", store.TokenResetPassword}, {"e", store.TokenVerifyEmail}} {
		x := tok
		x.Hash, x.Purpose = h(p.h), p.purpose
		if err := a.CreateAccountToken(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.DeleteAccountTokens(ctx, u.ID, store.TokenResetPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UseAccountToken(ctx, h("d"), store.TokenResetPassword, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reset token after DeleteAccountTokens(reset) = %v, want ErrNotFound", err)
	}
	if err := a.DeleteAccountTokens(ctx, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UseAccountToken(ctx, h("e"), store.TokenVerifyEmail, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("verify token after DeleteAccountTokens(all) = %v, want ErrNotFound", err)
	}

	// Concurrent use: one winner.
	race := tok
	race.Hash = h("f")
	if err := a.CreateAccountToken(ctx, race); err != nil {
		t.Fatal(err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for range 8 {
		wg.Go(func() {
			if _, err := a.UseAccountToken(ctx, h("f"), store.TokenResetPassword, t0); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent UseAccountToken calls succeeded, want 1", wins)
	}
}

// appTestEmailVerified: a new user is unverified until marked.
func appTestEmailVerified(t *testing.T, a store.App) {
	ctx := t.Context()
	u, err := a.CreateUser(ctx, store.User{Email: "ver@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if at, err := a.EmailVerifiedAt(ctx, u.ID); err != nil || !at.IsZero() {
		t.Errorf("EmailVerifiedAt(new user) = %v, %v; want zero", at, err)
	}
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := a.SetEmailVerified(ctx, u.ID, when); err != nil {
		t.Fatal(err)
	}
	if at, err := a.EmailVerifiedAt(ctx, u.ID); err != nil || !at.Equal(when) {
		t.Errorf("EmailVerifiedAt = %v, %v; want %v", at, err, when)
	}
	if err := a.SetEmailVerified(ctx, u.ID+99, when); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetEmailVerified(missing) = %v, want ErrNotFound", err)
	}
	if _, err := a.EmailVerifiedAt(ctx, u.ID+99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EmailVerifiedAt(missing) = %v, want ErrNotFound", err)
	}
}

// appTestKnownDevices: a device is new once per user.
func appTestKnownDevices(t *testing.T, a store.App) {
	ctx := t.Context()
	u, _ := a.CreateUser(ctx, store.User{Email: "dev1@example.test"})
	v, _ := a.CreateUser(ctx, store.User{Email: "dev2@example.test"})
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d := []byte("firefox-linux-DE")
	for _, c := range []struct {
		user int64
		at   time.Time
		new  bool
	}{{u.ID, t0, true}, {u.ID, t0, false}, {u.ID, t0.Add(time.Hour), false}, {v.ID, t0, true}} {
		isNew, err := a.RememberDevice(ctx, c.user, d, c.at)
		if err != nil || isNew != c.new {
			t.Errorf("RememberDevice(user %d, %v) = %v, %v; want %v", c.user, c.at, isNew, err, c.new)
		}
	}
	if _, err := a.RememberDevice(ctx, v.ID+99, d, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RememberDevice(missing user) = %v, want ErrNotFound", err)
	}
	// v's sighting is the older one: forgotten; u's was refreshed.
	if n, err := a.ForgetDevicesBefore(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Errorf("ForgetDevicesBefore = %d, %v; want 1", n, err)
	}
	if isNew, _ := a.RememberDevice(ctx, v.ID, d, t0.Add(2*time.Hour)); !isNew {
		t.Error("a forgotten device is not new again")
	}
	if isNew, _ := a.RememberDevice(ctx, u.ID, d, t0.Add(2*time.Hour)); isNew {
		t.Error("u's refreshed device was forgotten")
	}
}

package web

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/store"
)

// The live tokens of the fuzz targets below, fixed so the committed seed
// corpora can name them.
const (
	fuzzVerifyToken = "dmVyaWZ5LXRva2VuLWZvci10aGUtZnV6ei10YXJnZXQ"
	fuzzResetToken  = "cmVzZXQtdG9rZW4tZm9yLXRoZS1mdXp6LXRhcmdldHM"
	fuzzInviteToken = "aW52aXRhdGlvbi10b2tlbi1mb3ItdGhlLWZ1enotdGc"
	fuzzAPIKey      = "ff_abcdefghijklmnopqrstuvwxyz234567abcdefgh"
)

// FuzzEmailedTokens posts arbitrary tokens to the three endpoints that
// take one from an emailed link: email verification, password reset and
// invitation look-up, on a store holding one live token of each. Each
// answers success exactly when the token, spaces around it trimmed, is
// its live one (which is then issued again), and otherwise its refusal:
// 400 invalid_token, or 404 invitation_invalid. Never a 500.
func FuzzEmailedTokens(f *testing.F) {
	at := newAccountTest(f, accountOptions{mail: mailtest.Start(f)})
	ctx := f.Context()
	u := at.user(f, "ada@example.com", "correct horse battery", false)
	issue := func(t testing.TB, purpose, token string) {
		t.Helper()
		sum := sha256.Sum256([]byte(token))
		if err := at.db.DeleteAccountTokens(ctx, u.ID, purpose); err != nil {
			t.Fatal(err)
		}
		if err := at.db.CreateAccountToken(ctx, store.AccountToken{Hash: sum[:], UserID: u.ID, Purpose: purpose,
			Email: u.Email, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	issue(f, store.TokenVerifyEmail, fuzzVerifyToken)
	issue(f, store.TokenResetPassword, fuzzResetToken)
	acc, err := at.db.CreateAccount(ctx, store.Account{Name: "Team"}, u.ID)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := at.db.CreateInvitation(ctx, store.Invitation{AccountID: acc.ID, Email: "bob@example.com", Role: store.RoleViewer,
		TokenHash: auth.HashSessionToken(fuzzInviteToken), ExpiresAt: time.Now().Add(time.Hour), InvitedBy: u.ID, CreatedAt: time.Now()}); err != nil {
		f.Fatal(err)
	}
	f.Add(fuzzVerifyToken)
	f.Fuzz(func(t *testing.T, token string) {
		body, _ := json.Marshal(map[string]string{"token": token, "password": "a new long passphrase"})
		var sent struct{ Token string } // what the server reads (invalid UTF-8 replaced)
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatal(err)
		}
		got := strings.TrimSpace(sent.Token)
		for _, tc := range []struct {
			path, live, purpose string
			ok                  int
			refused             int
			code                string
		}{
			{"/api/auth/verify", fuzzVerifyToken, store.TokenVerifyEmail, http.StatusOK, http.StatusBadRequest, "invalid_token"},
			{"/api/auth/password-reset/confirm", fuzzResetToken, store.TokenResetPassword, http.StatusOK, http.StatusBadRequest, "invalid_token"},
			{"/api/auth/invitations/lookup", fuzzInviteToken, "", http.StatusOK, http.StatusNotFound, "invitation_invalid"},
		} {
			res := at.send(t, req("POST", tc.path, string(body)), nil)
			if got == tc.live {
				res.want(t, tc.path+" with the live token", tc.ok, "")
				if tc.purpose != "" {
					issue(t, tc.purpose, tc.live)
				}
				continue
			}
			res.want(t, tc.path+" with "+strings.ToValidUTF8(token, "?"), tc.refused, tc.code)
		}
	})
}

// FuzzBearerKey sends arbitrary Authorization headers to an API route
// with one live API key: 200 exactly when the header is "Bearer " and that
// key (spaces around it ignored), else 401. Never a 500.
func FuzzBearerKey(f *testing.F) {
	at := newAccountTest(f, accountOptions{})
	u := at.user(f, "ada@example.com", "correct horse battery", false)
	if _, err := at.db.CreateAPIKey(f.Context(), store.APIKey{UserID: u.ID, Prefix: fuzzAPIKey[:9],
		Hash: auth.HashAPIKey(fuzzAPIKey), Scopes: store.Scopes}); err != nil {
		f.Fatal(err)
	}
	f.Add("Bearer " + fuzzAPIKey)
	f.Fuzz(func(t *testing.T, header string) {
		r := req("GET", "/api/v1/sites", "")
		r.Header["Authorization"] = []string{header}
		res := at.send(t, r, nil)
		key, ok := strings.CutPrefix(header, "Bearer ")
		if ok && strings.TrimSpace(key) == fuzzAPIKey {
			res.want(t, "GET /api/v1/sites with the key", http.StatusOK, "")
			return
		}
		if header == "" {
			return // no credentials: the cookie path, answered 401 too
		}
		res.want(t, "GET /api/v1/sites with Authorization "+strings.ToValidUTF8(header, "?"), http.StatusUnauthorized, "unauthorized")
	})
}

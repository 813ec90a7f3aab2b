package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestAPIKeysBySession: a signed-in user creates a key (shown once), uses
// it, sees it listed without the secret, and revokes it; another user can
// neither see nor revoke it, and a key cannot manage keys.
func TestAPIKeysBySession(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ada@example.com", "correct horse battery", false)
	at.user(t, "bob@example.com", "correct horse battery", false)
	ada := at.login(t, "ada@example.com", "correct horse battery")
	bob := at.login(t, "bob@example.com", "correct horse battery")

	at.send(t, req("POST", "/api/auth/keys", `{"name":"ci"}`), &browser{token: ada.token}).want(t, "create without CSRF", http.StatusForbidden, "csrf")
	at.send(t, req("POST", "/api/auth/keys", `{"name":"  "}`), &ada).want(t, "create without a name", http.StatusBadRequest, "invalid_name")
	at.send(t, req("POST", "/api/auth/keys", `{"name":"ci","scopes":["stats:read","root"]}`), &ada).want(t, "create with an unknown scope", http.StatusBadRequest, "invalid_scope")
	r := at.send(t, req("POST", "/api/auth/keys", `{"name":"ci","scopes":["sites:admin"]}`), &ada)
	var created apiKeyJSON
	if r.status != http.StatusCreated || json.Unmarshal([]byte(r.body), &created) != nil || !strings.HasPrefix(created.Key, created.Prefix) || created.Name != "ci" {
		t.Fatalf("POST /api/auth/keys = %d %s, want 201 with the key", r.status, r.body)
	}
	bearer := func(method, path string) *http.Request {
		r := req(method, path, "")
		r.Header.Set("Authorization", "Bearer "+created.Key)
		return r
	}
	at.send(t, bearer("GET", "/api/v1/sites"), nil).want(t, "GET /api/v1/sites with the new key", http.StatusOK, "")
	if len(created.Scopes) != 1 || created.Scopes[0] != "sites:admin" {
		t.Errorf("created key's scopes = %v, want [sites:admin]", created.Scopes)
	}
	// The default scope is stats:read, which the Sites API does not take.
	r = at.send(t, req("POST", "/api/auth/keys", `{"name":"reader"}`), &ada)
	var reader apiKeyJSON
	if err := json.Unmarshal([]byte(r.body), &reader); err != nil || len(reader.Scopes) != 1 || reader.Scopes[0] != "stats:read" {
		t.Fatalf("POST /api/auth/keys without scopes = %d %s, want the key with scopes [stats:read]", r.status, r.body)
	}
	readerReq := req("GET", "/api/v1/sites", "")
	readerReq.Header.Set("Authorization", "Bearer "+reader.Key)
	at.send(t, readerReq, nil).want(t, "GET /api/v1/sites with a stats:read key", http.StatusForbidden, "insufficient_scope")
	if err := at.db.DeleteAPIKey(t.Context(), reader.ID); err != nil {
		t.Fatal(err)
	}
	at.send(t, bearer("GET", "/api/auth/keys"), nil).want(t, "GET /api/auth/keys with a key", http.StatusUnauthorized, "unauthorized")

	list := func(b *browser) string {
		r := at.send(t, req("GET", "/api/auth/keys", ""), b)
		if r.status != http.StatusOK {
			t.Fatalf("GET /api/auth/keys = %d %s", r.status, r.body)
		}
		return r.body
	}
	if body := list(&ada); strings.Contains(body, created.Key) || !strings.Contains(body, `"prefix":"`+created.Prefix+`"`) || strings.Contains(body, `"last_used_at":null`) {
		t.Errorf("ada's keys = %s, want the key listed by prefix, used, without its secret", body)
	}
	if body := list(&bob); body != `{"keys":[]}`+"\n" {
		t.Errorf("bob's keys = %q, want none", body)
	}
	id := strconv.FormatInt(created.ID, 10)
	at.send(t, req("DELETE", "/api/auth/keys/"+id, ""), &bob).want(t, "bob deletes ada's key", http.StatusNotFound, "key_not_found")
	at.send(t, bearer("GET", "/api/v1/sites"), nil).want(t, "the key after bob's attempt", http.StatusOK, "")
	at.send(t, req("DELETE", "/api/auth/keys/"+id, ""), &ada).want(t, "ada deletes her key", http.StatusNoContent, "")
	at.send(t, bearer("GET", "/api/v1/sites"), nil).want(t, "the revoked key", http.StatusUnauthorized, "unauthorized")
	at.send(t, req("DELETE", "/api/auth/keys/"+id, ""), &ada).want(t, "delete again", http.StatusNotFound, "key_not_found")
}

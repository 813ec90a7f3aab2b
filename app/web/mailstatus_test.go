package web

import (
	"encoding/json"
	"testing"
)

// /api/auth/me tells the UI whether mail leaves the server, so it can say
// that no email will arrive in dev mode.
func TestMeMailConfigured(t *testing.T) {
	at := newAccountTest(t, accountOptions{})
	at.user(t, "ann@example.test", "correct horse battery", false)
	b := at.login(t, "ann@example.test", "correct horse battery")
	r := at.send(t, req("GET", "/api/auth/me", ""), &b)
	var me meJSON
	if err := json.Unmarshal([]byte(r.body), &me); err != nil {
		t.Fatal(err)
	}
	if me.MailConfigured {
		t.Errorf("GET /api/auth/me = %s: mail_configured true without SMTP", r.body)
	}
}

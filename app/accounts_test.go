package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/store"
)

// TestAnnounceSetup: at start, an instance without users logs the setup
// link with its token; once a user exists it logs nothing of the kind.
func TestAnnounceSetup(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir(), "FOOTFALL_BASE_URL=https://stats.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	key, err := a.SecretKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.announceSetup(ctx, key); err != nil {
		t.Fatal(err)
	}
	want := "https://stats.example.com/setup?token=" + auth.SetupToken(key)
	if !strings.Contains(log.String(), want) {
		t.Errorf("log without users = %q, want the setup link %s", log.String(), want)
	}
	if _, err := a.DB.CreateUser(ctx, store.User{Email: "owner@example.com", Admin: true}); err != nil {
		t.Fatal(err)
	}
	log.Reset()
	if err := a.announceSetup(ctx, key); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "setup") {
		t.Errorf("log with a user = %q, want no setup link", log.String())
	}
}

// TestSessionExpiryJob: the hourly job deletes expired sign-in sessions
// and keeps live ones.
func TestSessionExpiryJob(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	u, err := a.DB.CreateUser(ctx, store.User{Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for i, expires := range []time.Time{time.Now().Add(-time.Minute), time.Now().Add(time.Hour)} {
		_, hash := auth.NewSessionToken()
		if _, err := a.DB.CreateSession(ctx, store.Session{UserID: u.ID, TokenHash: hash, CSRFToken: "c", ExpiresAt: expires}); err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
	}
	var ran bool
	for _, j := range a.jobs() {
		if j.Name == "signin_session_expiry" {
			ran = true
			if err := j.Run(ctx); err != nil {
				t.Fatalf("signin_session_expiry: %v", err)
			}
		}
	}
	if !ran {
		t.Fatal("no signin_session_expiry job is scheduled")
	}
	list, err := a.DB.ListSessions(ctx, u.ID)
	if err != nil || len(list) != 1 || !list[0].ExpiresAt.After(time.Now()) {
		t.Errorf("sessions after the job = %+v, %v; want the live one only", list, err)
	}
}

package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestHeartbeat(t *testing.T) {
	var mu sync.Mutex
	var pings []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		pings = append(pings, r.URL.Path)
		mu.Unlock()
	}))
	defer srv.Close()
	beat, err := ParseHeartbeat(srv.URL + "/key/{job}")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 8)
	var n int
	sc, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)),
		Job{Name: "nightly backup", Schedule: Every(20 * time.Millisecond), Run: func(context.Context) error {
			defer func() { done <- struct{}{} }()
			n++
			if n == 2 {
				return errors.New("disk full")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	sc.Ping(beat)
	if err := sc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	<-done
	<-done
	time.Sleep(50 * time.Millisecond) // the second run's last ping follows its end
	if err := sc.Shutdown(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"/key/nightly backup/start", "/key/nightly backup", "/key/nightly backup/start", "/key/nightly backup/fail"}
	if len(pings) < 4 || !slices.Equal(pings[:4], want) {
		t.Errorf("pings = %q, want %q first", pings, want)
	}
	for _, bad := range []string{"https://hc-ping.com/key", "ftp://x/{job}", "{job}"} {
		if _, err := ParseHeartbeat(bad); err == nil {
			t.Errorf("ParseHeartbeat(%q) = nil error", bad)
		}
	}
}

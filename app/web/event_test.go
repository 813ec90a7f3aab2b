package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/app/ingest"
	"github.com/footfallhq/footfall/store"
)

// ingesterFunc is an Ingester answering with a fixed error.
type ingesterFunc func() error

func (f ingesterFunc) Ingest(context.Context, []byte, ingest.Client) error { return f() }

// TestEventErrors maps the write path's errors to statuses: the queue's
// trouble (full, closing, its server down) is a 503 with Retry-After, so
// trackers retry; never a 500.
func TestEventErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"accepted", nil, http.StatusAccepted, ""},
		{"queue full", fmt.Errorf("wal: %w", store.ErrFull), http.StatusServiceUnavailable, "queue_full"},
		{"shutting down", store.ErrClosed, http.StatusServiceUnavailable, "shutting_down"},
		// What store/redis returns when Redis refuses connections (its
		// TestQueueRedisDown proves that against a closed port).
		{"redis down", fmt.Errorf("redis: enqueue 1 events: %w: %w", store.ErrUnavailable,
			errors.New("dial tcp 127.0.0.1:1: connect: connection refused")), http.StatusServiceUnavailable, "queue_unavailable"},
		{"bad input", &ingest.InputError{Code: "bad_json", Message: "bad"}, http.StatusBadRequest, "bad_json"},
		{"bug", errors.New("something else"), http.StatusInternalServerError, "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Deps{
				Logger:   slog.New(slog.DiscardHandler),
				Ingester: ingesterFunc(func() error { return tc.err }),
				Registry: prometheus.NewRegistry(),
			})
			req := httptest.NewRequest(http.MethodPost, "/api/event", strings.NewReader(`{"n":"pageview","u":"https://example.com/","d":"example.com"}`))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("POST /api/event with Ingest error %v = %d, want %d: %s", tc.err, rec.Code, tc.status, rec.Body)
			}
			if tc.code != "" && !strings.Contains(rec.Body.String(), `"code":"`+tc.code+`"`) {
				t.Errorf("POST /api/event body = %s, want code %q", rec.Body, tc.code)
			}
			if tc.status == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
				t.Errorf("POST /api/event = 503 without Retry-After")
			}
		})
	}
}

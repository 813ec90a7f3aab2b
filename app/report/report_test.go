package report_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/report"
	"github.com/footfallhq/footfall/app/report/reporttest"
)

func newLogger(t *testing.T) (*slog.Logger, *report.Reporter, *reporttest.Ingest, *bytes.Buffer) {
	t.Helper()
	in := reporttest.New(t)
	r, err := report.New(report.Options{DSN: in.DSN, Release: "1.2.3", Environment: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	return slog.New(r.Handler(slog.NewJSONHandler(&buf, nil))), r, in, &buf
}

// TestErrorsAreReportedWithoutPersonalData logs what a careless caller
// might: a visitor's address, a cookie, a token, a body. The log line
// keeps everything (it stays on the machine); the event keeps none of it.
func TestErrorsAreReportedWithoutPersonalData(t *testing.T) {
	log, r, in, buf := newLogger(t)
	log = log.With("component", "ingest")
	log.Info("not reported")
	log.Warn("not reported either")
	log.Error("flush failed",
		"err", errors.New("write events from 203.0.113.7 via [2001:db8::42]:443 at 16:05:03: disk full"),
		"remote_addr", "198.51.100.9:5555", "clientIP", "198.51.100.10",
		"cookie", "footfall_session=abc123", "Authorization", "Bearer sekrit-token",
		"body", `{"password":"hunter2"}`, "batch", 512,
		slog.Group("req", "user_agent", "Mozilla/5.0 Secret", "path", "/api/event"))
	if !r.Flush(5 * time.Second) {
		t.Fatal("events not flushed within 5s")
	}
	if !strings.Contains(buf.String(), "203.0.113.7") {
		t.Errorf("the local log lost data: %s", buf)
	}
	evs := in.Events()
	if len(evs) != 1 {
		t.Fatalf("received %d events, want 1 (error level only)", len(evs))
	}
	ev := evs[0]
	if ev.Message != "flush failed" || ev.Level != "error" || ev.Release != "1.2.3" || ev.Environment != "staging" {
		t.Errorf("event message %q level %q release %q environment %q", ev.Message, ev.Level, ev.Release, ev.Environment)
	}
	if ev.Tags["component"] != "ingest" {
		t.Errorf("tags %v, want component=ingest", ev.Tags)
	}
	for _, leak := range []string{"203.0.113.7", "2001:db8::42", "198.51.100", "abc123", "sekrit", "hunter2", "Mozilla"} {
		if strings.Contains(ev.Raw, leak) {
			t.Errorf("event contains %q:\n%s", leak, ev.Raw)
		}
	}
	if ev.Request != nil || len(ev.User) != 0 {
		t.Errorf("event carries request %v / user %v", ev.Request, ev.User)
	}
	log2 := ev.Contexts["log"]
	if log2["batch"] != float64(512) || log2["req.path"] != "/api/event" || log2["remote_addr"] != report.Scrubbed {
		t.Errorf("log context %v: want batch and req.path kept, remote_addr scrubbed", log2)
	}
	if len(ev.Exception) != 1 {
		t.Fatalf("exception %+v", ev.Exception)
	}
	x := ev.Exception[0]
	if want := "write events from [ip] via [[ip]]:443 at 16:05:03: disk full"; x.Value != want {
		t.Errorf("exception value %q, want %q", x.Value, want)
	}
	frames := x.Stacktrace.Frames
	if len(frames) == 0 || !strings.Contains(frames[len(frames)-1].Function, "TestErrorsAreReportedWithoutPersonalData") {
		t.Errorf("innermost frame is not the caller that logged: %+v", frames)
	}
}

func TestBadDSN(t *testing.T) {
	if _, err := report.New(report.Options{DSN: "not a dsn"}); err == nil || !strings.Contains(err.Error(), "FOOTFALL_SENTRY_DSN") {
		t.Errorf("New with a bad DSN: %v", err)
	}
}

package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/footfallhq/footfall/app/report"
	"github.com/footfallhq/footfall/app/report/reporttest"
)

// TestPanicInHandlerIsReported: a handler that panics answers 500 JSON,
// and with Sentry configured the panic is reported with the frame that
// panicked and release/environment, but nothing of the request: not the
// client's address, its cookies, its Authorization header or its body.
func TestPanicInHandlerIsReported(t *testing.T) {
	in := reporttest.New(t)
	rep, err := report.New(report.Options{DSN: in.DSN, Release: "9.9.9", Environment: "test"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(rep.Handler(slog.NewTextHandler(io.Discard, nil)))
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(log)
	e.Use(recoverer(log))
	e.POST("/api/boom", panickingHandler)

	req := httptest.NewRequest(http.MethodPost, "/api/boom?token=querysecret", strings.NewReader(`{"email":"ann@example.com"}`))
	req.RemoteAddr = "203.0.113.50:41000"
	req.Header.Set("X-Forwarded-For", "198.51.100.77")
	req.Header.Set("Cookie", "footfall_session=cookievalue")
	req.Header.Set("Authorization", "Bearer headersecret")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Errorf("answer %d %s, want 500 with a JSON error", rec.Code, rec.Body)
	}
	if !rep.Flush(5 * time.Second) {
		t.Fatal("not flushed")
	}
	evs := in.Events()
	var panicEv *reporttest.Event
	for i := range evs {
		if evs[i].Message == "panic in handler" {
			panicEv = &evs[i]
		}
	}
	if panicEv == nil {
		t.Fatalf("no panic event among %d", len(evs))
	}
	if panicEv.Release != "9.9.9" || panicEv.Environment != "test" {
		t.Errorf("release %q environment %q", panicEv.Release, panicEv.Environment)
	}
	var funcs []string
	for _, f := range panicEv.Exception[0].Stacktrace.Frames {
		funcs = append(funcs, f.Function)
	}
	if !strings.Contains(strings.Join(funcs, " "), "panickingHandler") {
		t.Errorf("stack %v lacks the handler that panicked", funcs)
	}
	for _, ev := range evs {
		for _, leak := range []string{"203.0.113.50", "198.51.100.77", "cookievalue", "headersecret", "querysecret", "ann@example.com"} {
			if strings.Contains(ev.Raw, leak) {
				t.Errorf("event %q contains %q: %s", ev.Message, leak, ev.Raw)
			}
		}
	}
}

func panickingHandler(c echo.Context) error {
	var counts []int
	counts[len(c.Request().URL.Query().Get("token"))]++ // index out of range: a runtime panic
	return nil
}

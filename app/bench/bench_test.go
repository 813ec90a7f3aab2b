package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeFootfall is a stand-in server at the true external edge of this
// package: /api/event counts what it accepts, /api/v2/query reports that
// count plus events the site held before.
type fakeFootfall struct {
	t        testing.TB
	key      string
	site     string
	existing int64
	// respond may answer instead of the default 202; it returns false to
	// let the default happen. n is the 1-based request number.
	respond func(w http.ResponseWriter, n int64) bool

	requests atomic.Int64
	accepted atomic.Int64
	queries  atomic.Int64
}

func newFake(t testing.TB, f *fakeFootfall) *httptest.Server {
	t.Helper()
	f.t = t
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/event", func(w http.ResponseWriter, r *http.Request) {
		n := f.requests.Add(1)
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		if f.respond != nil && f.respond(w, n) {
			return
		}
		f.accepted.Add(1)
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /api/v2/query", func(w http.ResponseWriter, r *http.Request) {
		f.queries.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+f.key {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid API key","code":"unauthorized"}`)
			return
		}
		var q struct {
			SiteID    string   `json:"site_id"`
			Metrics   []string `json:"metrics"`
			DateRange string   `json:"date_range"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.SiteID != f.site ||
			len(q.Metrics) != 1 || q.Metrics[0] != "events" || q.DateRange != "all" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `{"results":[{"metrics":[%d],"dimensions":[]}],"meta":{},"query":{}}`, f.existing+f.accepted.Load())
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRunAcceptsAndStoresAll(t *testing.T) {
	f := &fakeFootfall{key: "secret", site: "shop.example", existing: 500}
	srv := newFake(t, f)
	rep, err := Run(context.Background(), Options{
		URL: srv.URL, Site: f.site, APIKey: f.key, Concurrency: 8, Requests: 2000, Quiet: true,
	})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if rep.Sent != 2000 || rep.Accepted != 2000 || rep.RejectedTotal() != 0 || rep.TransportErrors != 0 {
		t.Errorf("Run: sent %d accepted %d rejected %v errors %d, want 2000 accepted and nothing else",
			rep.Sent, rep.Accepted, rep.Rejected, rep.TransportErrors)
	}
	if got := f.requests.Load(); got != 2000 {
		t.Errorf("server saw %d requests, want 2000", got)
	}
	s := rep.Stored
	if s == nil || !s.OK || s.Before != 500 || s.After != 2500 || s.Stored != 2000 {
		t.Errorf("Run: Stored = %+v, want before 500, after 2500, stored 2000, ok", s)
	}
	if rep.AcceptedPerSec <= 0 || rep.Latency.P50 <= 0 || rep.Latency.Max < rep.Latency.P99 {
		t.Errorf("Run: rate %v latency %+v, want positive and ordered", rep.AcceptedPerSec, rep.Latency)
	}
}

func TestRunCountsRejectionsByStatus(t *testing.T) {
	f := &fakeFootfall{key: "k", site: "a.example", respond: func(w http.ResponseWriter, n int64) bool {
		switch {
		case n%5 == 0:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		case n%101 == 0:
			w.WriteHeader(http.StatusBadRequest)
		default:
			return false
		}
		return true
	}}
	srv := newFake(t, f)
	rep, err := Run(context.Background(), Options{
		URL: srv.URL, Site: f.site, APIKey: f.key, Concurrency: 8, Requests: 2000, Quiet: true,
	})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	want400 := int64(0)
	for n := int64(1); n <= 2000; n++ {
		if n%5 != 0 && n%101 == 0 {
			want400++
		}
	}
	if rep.Rejected[503] != 400 || rep.Rejected[400] != want400 {
		t.Errorf("Run: Rejected = %v, want 503×400 and 400×%d", rep.Rejected, want400)
	}
	if rep.Accepted != 2000-400-want400 || rep.Sent != 2000 {
		t.Errorf("Run: sent %d accepted %d", rep.Sent, rep.Accepted)
	}
	if rep.Stored == nil || !rep.Stored.OK || rep.Stored.Stored != rep.Accepted {
		t.Errorf("Run: Stored = %+v, want exactly the accepted ones", rep.Stored)
	}
}

func TestRunCountsTransportErrors(t *testing.T) {
	f := &fakeFootfall{respond: func(w http.ResponseWriter, n int64) bool {
		if n%10 != 0 {
			return false
		}
		// Drop the connection without an answer, as a crashing server would.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	}}
	srv := newFake(t, f)
	rep, err := Run(context.Background(), Options{URL: srv.URL, Concurrency: 8, Requests: 2000, Quiet: true})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if rep.TransportErrors == 0 || rep.FirstError == "" {
		t.Errorf("Run: TransportErrors = %d, FirstError = %q, want the dropped connections counted",
			rep.TransportErrors, rep.FirstError)
	}
	if rep.Accepted != f.accepted.Load() {
		t.Errorf("Run: Accepted = %d, server accepted %d", rep.Accepted, f.accepted.Load())
	}
	if rep.Sent != 2000 || rep.Accepted+rep.TransportErrors+rep.RejectedTotal() != rep.Sent {
		t.Errorf("Run: sent %d = accepted %d + errors %d + rejected %d, want 2000 in all",
			rep.Sent, rep.Accepted, rep.TransportErrors, rep.RejectedTotal())
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	for _, target := range []string{
		"http://10.0.0.1:8000",
		"http://example.com",
		"https://192.168.1.10",
		"http://[2001:db8::1]:8000",
		"http://[::ffff:10.0.0.1]:8000",
		"http://localhost.example.com:8000",
		"http://127.0.0.1.nip.io:8000",
		"http://0.0.0.0:8000",
	} {
		start := time.Now()
		rep, err := Run(context.Background(), Options{URL: target, Requests: 10, APIKey: "k", Quiet: true})
		if !errors.Is(err, ErrNotLoopback) {
			t.Errorf("Run(%q) = %v, want ErrNotLoopback", target, err)
		}
		// Refused before any dial: a dial to a black hole would take seconds.
		if rep.Sent != 0 || time.Since(start) > time.Second {
			t.Errorf("Run(%q) sent %d requests in %v, want none, at once", target, rep.Sent, time.Since(start))
		}
	}
	for _, target := range []string{"ftp://127.0.0.1/", "http://user:pw@127.0.0.1/", "127.0.0.1:8000", "http://"} {
		if _, err := Run(context.Background(), Options{URL: target, Requests: 10, Quiet: true}); err == nil {
			t.Errorf("Run(%q) = nil error, want a refusal", target)
		}
	}
}

func TestLoopbackHosts(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true, "LocalHost": true,
		"::ffff:127.0.0.1": true, "10.0.0.1": false, "::": false, "example.com": false,
		"localhost.": false, "169.254.1.1": false, "fe80::1": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
	// The dialer hook sees resolved addresses; it must refuse before connect.
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:443": true, "10.0.0.1:8000": false, "93.184.216.34:80": false, "[2001:db8::1]:80": false,
	} {
		err := refuseNonLoopback("tcp", addr, nil)
		if (err == nil) != ok {
			t.Errorf("refuseNonLoopback(%q) = %v, want allowed=%v", addr, err, ok)
		}
	}
}

func TestRunStopsAtDuration(t *testing.T) {
	srv := newFake(t, &fakeFootfall{})
	rep, err := Run(context.Background(), Options{URL: srv.URL, Concurrency: 4, Duration: 300 * time.Millisecond, Quiet: true})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	if rep.Sent == 0 || rep.Elapsed < 300*time.Millisecond || rep.Elapsed > 3*time.Second {
		t.Errorf("Run(300ms): sent %d in %v", rep.Sent, rep.Elapsed)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	srv := newFake(t, &fakeFootfall{key: "k", site: DefaultSite})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	rep, err := Run(ctx, Options{URL: srv.URL, APIKey: "k", Concurrency: 4, Duration: time.Minute, Quiet: true})
	if !errors.Is(err, context.DeadlineExceeded) || !rep.Interrupted {
		t.Errorf("Run(cancelled) = %v, interrupted %v; want the context's error", err, rep.Interrupted)
	}
	if time.Since(start) > 5*time.Second || rep.Stored != nil {
		t.Errorf("Run(cancelled) took %v, Stored = %+v; want a prompt stop without the stored check", time.Since(start), rep.Stored)
	}
	if rep.TransportErrors != 0 {
		t.Errorf("Run(cancelled): %d transport errors, want aborted requests not blamed on the server", rep.TransportErrors)
	}
}

func TestRunChecksKeyBeforeLoad(t *testing.T) {
	f := &fakeFootfall{key: "right", site: DefaultSite}
	srv := newFake(t, f)
	_, err := Run(context.Background(), Options{URL: srv.URL, APIKey: "wrong", Requests: 100, Quiet: true})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Run(wrong key) = %v, want the 401 explained", err)
	}
	if n := f.requests.Load(); n != 0 {
		t.Errorf("Run(wrong key) sent %d events, want none", n)
	}
}

func TestStoredWaitDetectsLoss(t *testing.T) {
	f := &fakeFootfall{key: "k", site: "s.example", existing: 7}
	srv := newFake(t, f)
	f.accepted.Store(90) // 100 acknowledged, 10 lost
	hc := &http.Client{Transport: newTransport(1)}
	s, err := newStatsClient(hc, srv.URL+"/api/v2/query", f.site, f.key)
	if err != nil {
		t.Fatal(err)
	}
	s.settle = 200 * time.Millisecond
	got := s.wait(context.Background(), 7, 100, 5*time.Second)
	if got.OK || got.Stored != 90 || got.TimedOut || got.Wait < s.settle {
		t.Errorf("wait(lost 10) = %+v, want stored 90, not ok, settled", got)
	}
	if !strings.Contains((Report{Accepted: 100, Stored: &got}).String(), "10 accepted events missing") {
		t.Errorf("Report.String does not name the loss")
	}
}

func TestNoopServer(t *testing.T) {
	url, stop, err := NoopServer()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var out bytes.Buffer
	rep, err := Run(context.Background(), Options{URL: url, Label: "noop", Concurrency: 8, Duration: 1200 * time.Millisecond, Out: &out})
	if err != nil {
		t.Fatalf("Run(noop) = %v", err)
	}
	if rep.Accepted == 0 || rep.Accepted != rep.Sent || rep.Stored != nil {
		t.Errorf("Run(noop): sent %d accepted %d stored %+v", rep.Sent, rep.Accepted, rep.Stored)
	}
	if !strings.Contains(out.String(), "req/s") {
		t.Errorf("no progress line in %q", out.String())
	}
}

func TestReportOutputs(t *testing.T) {
	r := Report{
		Label: "footfall", URL: "http://127.0.0.1:8000", Site: "x", Concurrency: 32, Elapsed: 10 * time.Second,
		Sent: 100_500, Accepted: 100_000, Rejected: map[int]int64{503: 500}, AcceptedPerSec: 10_000,
		Latency: Latency{P50: time.Millisecond, P90: 2 * time.Millisecond, P99: 12 * time.Millisecond, Max: 40 * time.Millisecond},
		Stored:  &Stored{Before: 5, After: 100_005, Stored: 100_000, OK: true},
	}
	noop := Report{Label: "noop", Accepted: 200_000, AcceptedPerSec: 20_000}
	s := r.String()
	for _, want := range []string{"100,000 accepted", "503×500", "10,000 accepted/s", "p99 12.0ms", "ok: every accepted event is stored"} {
		if !strings.Contains(s, want) {
			t.Errorf("Report.String() = %q, missing %q", s, want)
		}
	}
	if got := Ratio(r, noop); got != 0.5 {
		t.Errorf("Ratio = %v, want 0.5", got)
	}
	if c := Compare(r, noop); !strings.Contains(c, "0.50×") || !strings.Contains(c, "MISSED") {
		t.Errorf("Compare = %q, want the ratio and a missed target", c)
	}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back["accepted_per_sec"] != 10000.0 || back["rejected"].(map[string]any)["503"] != 500.0 {
		t.Errorf("json.Marshal(Report) = %s", raw)
	}
}

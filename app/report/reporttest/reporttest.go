// Package reporttest runs a Sentry ingest endpoint in process: an HTTP
// server that accepts envelopes at /api/<project>/envelope/ as Sentry
// does and keeps the events, so tests see exactly what would leave the
// process.
package reporttest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Ingest is a running endpoint.
type Ingest struct {
	DSN string // http://public@127.0.0.1:port/1

	mu     sync.Mutex
	events []Event
}

// Event is the part of a received event tests look at; Raw is the whole
// JSON as sent.
type Event struct {
	Message     string                    `json:"message"`
	Level       string                    `json:"level"`
	Release     string                    `json:"release"`
	Environment string                    `json:"environment"`
	Tags        map[string]string         `json:"tags"`
	Contexts    map[string]map[string]any `json:"contexts"`
	Request     map[string]any            `json:"request"`
	User        map[string]any            `json:"user"`
	Exception   []struct {
		Type       string `json:"type"`
		Value      string `json:"value"`
		Stacktrace struct {
			Frames []struct {
				Function string `json:"function"`
				Module   string `json:"module"`
			} `json:"frames"`
		} `json:"stacktrace"`
	} `json:"exception"`
	Raw string `json:"-"`
}

// New starts an endpoint that stops with the test.
func New(t testing.TB) *Ingest {
	t.Helper()
	in := &Ingest{}
	srv := httptest.NewServer(http.HandlerFunc(in.serve))
	t.Cleanup(srv.Close)
	in.DSN = strings.Replace(srv.URL, "http://", "http://public@", 1) + "/1"
	return in
}

func (in *Ingest) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/1/envelope/" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// An envelope: a header line, then (item header, payload) pairs.
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	sc.Scan() // envelope header
	for sc.Scan() {
		var item struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(sc.Bytes(), &item); err != nil {
			http.Error(w, "bad item header: "+err.Error(), http.StatusBadRequest)
			return
		}
		if !sc.Scan() {
			break
		}
		if item.Type != "event" {
			continue
		}
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			http.Error(w, "bad event: "+err.Error(), http.StatusBadRequest)
			return
		}
		ev.Raw = sc.Text()
		in.mu.Lock()
		in.events = append(in.events, ev)
		in.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{}`)
}

// Events returns the events received so far.
func (in *Ingest) Events() []Event {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Event(nil), in.events...)
}

package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// NoopServer starts an in-process HTTP server on 127.0.0.1 that reads each
// request body in full and answers 202 with no body: the fastest an
// ingest endpoint built on net/http can possibly be on this machine. Load
// it with the same Options as Footfall (without an API key) and compare
// with Ratio. Call stop to close it; it aborts open connections.
func NoopServer() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bench: no-op server: %w", err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Reading the body is the least a real handler does; skipping
			// it would flatter the baseline.
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusAccepted)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Serve fails only if the listener breaks; the run then counts
		// transport errors, which says more than a log line would.
		_ = srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		_ = srv.Close()
		<-done
	}, nil
}

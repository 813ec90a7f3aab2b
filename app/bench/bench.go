// Package bench is the load generator behind `footfall bench`. It sends a
// realistic ingest mix (Zipf-distributed pages, real browsers, 100,000
// visitors, varied referrers, some custom events and revenue) to a Footfall
// server on this machine, measures accepted requests per second and
// latency, and asks the stats API afterwards whether every accepted event
// was stored. The same load against NoopServer is the baseline that the
// DESIGN §8 ingest target is a ratio of.
//
// Only loopback targets are accepted: the generator refuses any other
// address before sending anything, and its dialer checks again after name
// resolution.
package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults applied by Run to zero Options fields.
const (
	DefaultURL           = "http://127.0.0.1:8000"
	DefaultSite          = "bench.footfall.test"
	DefaultConcurrency   = 32
	DefaultDuration      = 30 * time.Second
	DefaultStoredTimeout = 30 * time.Second
	// DefaultSeed makes runs repeatable, so the Footfall run and the no-op
	// run send the same requests in the same order.
	DefaultSeed = 1

	maxConcurrency = 4096
)

// Options says what to load and for how long. The zero value of every
// field means its default.
type Options struct {
	// URL is the server's base URL; events go to URL/api/event and the
	// stats check to URL/api/v2/query. Its host must be a loopback address
	// or localhost.
	URL string
	// Site is the domain written into every event ("d"). It must exist on
	// the server, or events are dropped and the stored check fails.
	Site string
	// APIKey enables the stored check; without it nothing is read back.
	APIKey string
	// Concurrency is the number of workers, each with its own keep-alive
	// connection and one request in flight.
	Concurrency int
	// Duration and Requests bound the load; whichever is reached first
	// stops it. With neither set the load runs for DefaultDuration.
	Duration time.Duration
	Requests int
	// Seed picks the payload mix; 0 means DefaultSeed.
	Seed int64
	// Out receives one progress line per second; nil or Quiet silences it.
	Out   io.Writer
	Quiet bool
	// Label names the target in the report ("footfall", "noop").
	Label string
	// StoredTimeout bounds the wait for the stored count after the load.
	StoredTimeout time.Duration
}

func (o *Options) setDefaults() error {
	if o.URL == "" {
		o.URL = DefaultURL
	}
	if o.Site == "" {
		o.Site = DefaultSite
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.StoredTimeout == 0 {
		o.StoredTimeout = DefaultStoredTimeout
	}
	switch {
	case o.Concurrency < 0 || o.Concurrency > maxConcurrency:
		return fmt.Errorf("bench: concurrency %d out of range 1..%d", o.Concurrency, maxConcurrency)
	case o.Duration < 0:
		return fmt.Errorf("bench: negative duration %v", o.Duration)
	case o.Requests < 0:
		return fmt.Errorf("bench: negative request count %d", o.Requests)
	case o.StoredTimeout < 0:
		return fmt.Errorf("bench: negative stored timeout %v", o.StoredTimeout)
	}
	if o.Duration == 0 && o.Requests == 0 {
		o.Duration = DefaultDuration
	}
	return nil
}

// Run loads the server described by o and reports what happened. It
// returns an error without sending anything if the target is not on
// loopback or, with an API key, if the stats API cannot be read before
// the load. If ctx is cancelled, Run stops the load, aborts requests in
// flight, skips the stored check and returns the partial report together
// with ctx.Err().
func Run(ctx context.Context, o Options) (Report, error) {
	if err := o.setDefaults(); err != nil {
		return Report{}, err
	}
	base, err := checkTarget(o.URL)
	if err != nil {
		return Report{}, err
	}
	rep := Report{
		Label:       o.Label,
		URL:         base.String(),
		Site:        o.Site,
		Concurrency: o.Concurrency,
		Seed:        o.Seed,
	}
	tr := newTransport(o.Concurrency)
	defer tr.CloseIdleConnections()

	var stats *statsClient
	var before int64
	if o.APIKey != "" {
		hc := &http.Client{Transport: tr, CheckRedirect: refuseRedirect}
		stats, err = newStatsClient(hc, endpoint(base, "api/v2/query"), o.Site, o.APIKey)
		if err != nil {
			return rep, err
		}
		if before, err = stats.count(ctx); err != nil {
			return rep, fmt.Errorf("%w (before the load: check the site and the API key)", err)
		}
	}

	nBodies := maxBodies
	if o.Requests > 0 {
		nBodies = min(o.Requests, maxBodies)
	}
	wl := newWorkload(o.Site, o.Seed, nBodies)
	tmpl, err := newTemplate(ctx, endpoint(base, "api/event"))
	if err != nil {
		return rep, fmt.Errorf("bench: %w", err)
	}

	l := &loader{tr: tr, wl: wl, tmpl: tmpl, limit: uint64(o.Requests)}
	rep.Started = time.Now()
	hist := l.run(ctx, o)
	rep.Elapsed = time.Since(rep.Started)
	l.fill(&rep, hist)
	if ctx.Err() != nil {
		rep.Interrupted = true
		return rep, ctx.Err()
	}

	if stats != nil {
		progressf(o, "waiting for the stored count to settle (up to %v)", o.StoredTimeout)
		s := stats.wait(ctx, before, rep.Accepted, o.StoredTimeout)
		rep.Stored = &s
		if ctx.Err() != nil {
			rep.Interrupted = true
			return rep, ctx.Err()
		}
	}
	return rep, nil
}

// newTransport keeps one HTTP/1.1 keep-alive connection per worker, as a
// reverse proxy in front of the server would, so the run measures request
// handling rather than connection set-up. It never uses a proxy from the
// environment: traffic must go straight to loopback.
func newTransport(conns int) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: refuseNonLoopback}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		MaxConnsPerHost:       conns,
		MaxIdleConnsPerHost:   conns,
		MaxIdleConns:          conns,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func endpoint(base *url.URL, path string) string {
	u := *base
	u.RawQuery, u.Fragment = "", ""
	return u.JoinPath(path).String()
}

// loader runs the timed phase. Workers share only the request sequence
// number and two progress counters; everything else is per worker and
// merged at the end.
type loader struct {
	tr    http.RoundTripper
	wl    *workload
	tmpl  *http.Request
	limit uint64 // 0: no request bound

	next     atomic.Uint64
	stop     atomic.Bool
	done     atomic.Int64
	accepted atomic.Int64

	results []workerResult
}

type workerResult struct {
	hist     histogram
	sent     int64
	accepted int64
	errs     int64
	status   map[int]int64
	firstErr error
}

func (l *loader) run(ctx context.Context, o Options) *histogram {
	stopCtx := context.AfterFunc(ctx, func() { l.stop.Store(true) })
	defer stopCtx()
	if o.Duration > 0 {
		t := time.AfterFunc(o.Duration, func() { l.stop.Store(true) })
		defer t.Stop()
	}

	finished := make(chan struct{})
	var progress sync.WaitGroup
	if o.Out != nil && !o.Quiet {
		progress.Go(func() { l.report(o, finished) })
	}

	l.results = make([]workerResult, o.Concurrency)
	var wg sync.WaitGroup
	for i := range l.results {
		wg.Go(func() { l.work(&l.results[i]) })
	}
	wg.Wait()
	close(finished)
	progress.Wait()

	total := new(histogram)
	for i := range l.results {
		total.merge(&l.results[i].hist)
	}
	return total
}

func (l *loader) work(res *workerResult) {
	res.status = make(map[int]int64)
	for !l.stop.Load() {
		k := l.next.Add(1) - 1
		if l.limit > 0 && k >= l.limit {
			return
		}
		start := time.Now()
		resp, err := l.tr.RoundTrip(l.wl.request(l.tmpl, k))
		if err == nil {
			// Drain so the connection can be reused; a body error is as
			// much a transport failure as a failed round trip.
			_, err = io.Copy(io.Discard, resp.Body)
			if cerr := resp.Body.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil && l.tmpl.Context().Err() != nil {
			return // aborted by the caller, not the server's doing
		}
		res.sent++
		l.done.Add(1)
		if err != nil {
			res.errs++
			if res.firstErr == nil {
				res.firstErr = err
			}
			continue
		}
		res.hist.record(time.Since(start))
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			res.accepted++
			l.accepted.Add(1)
		} else {
			res.status[resp.StatusCode]++
		}
	}
}

// report prints one line per second until finished is closed.
func (l *loader) report(o Options, finished <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	start, last := time.Now(), int64(0)
	for {
		select {
		case <-finished:
			return
		case now := <-t.C:
			done, ok := l.done.Load(), l.accepted.Load()
			progressf(o, "%3.0fs  %s req/s  sent %s  accepted %s  other %s",
				now.Sub(start).Seconds(), group(done-last), group(done), group(ok), group(done-ok))
			last = done
		}
	}
}

func progressf(o Options, format string, args ...any) {
	if o.Out == nil || o.Quiet {
		return
	}
	fmt.Fprintf(o.Out, "bench: "+format+"\n", args...)
}

func (l *loader) fill(rep *Report, hist *histogram) {
	rep.Rejected = make(map[int]int64)
	for i := range l.results {
		r := &l.results[i]
		rep.Sent += r.sent
		rep.Accepted += r.accepted
		rep.TransportErrors += r.errs
		for code, n := range r.status {
			rep.Rejected[code] += n
		}
		if r.firstErr != nil && rep.FirstError == "" {
			rep.FirstError = r.firstErr.Error()
		}
	}
	if s := rep.Elapsed.Seconds(); s > 0 {
		rep.AcceptedPerSec = float64(rep.Accepted) / s
	}
	rep.Latency = hist.summary()
}

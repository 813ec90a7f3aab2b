package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// workload is everything the timed phase sends, built before it starts so
// that the generator's own cost is a slice index and a few small
// allocations per request.
type workload struct {
	arena  []byte // all bodies, back to back
	ends   []int  // bodies[i] = arena[ends[i-1]:ends[i]]
	xff    [][]string
	ua     []uint8
	uaHdr  [][]string
	mixKey uint64
}

// Header values shared by every request. The transport only reads them,
// so one slice serves all workers.
var textPlain = []string{"text/plain"}

func newWorkload(site string, seed int64, nBodies int) *workload {
	g := newGenerator(site, seed)
	w := &workload{
		arena:  make([]byte, 0, nBodies*170),
		ends:   make([]int, 0, nBodies),
		mixKey: uint64(seed)*0x9e3779b97f4a7c15 + 1,
	}
	for range nBodies {
		w.arena = g.appendBody(w.arena)
		w.ends = append(w.ends, len(w.arena))
	}
	addrs, ua := g.visitors(numVisitors)
	w.ua = ua
	// Each visitor's header value is a one-element window on addrs, so no
	// per-visitor slice is allocated.
	w.xff = make([][]string, len(addrs))
	for i := range addrs {
		w.xff[i] = addrs[i : i+1 : i+1]
	}
	for _, u := range userAgents {
		w.uaHdr = append(w.uaHdr, []string{u.ua})
	}
	return w
}

// body returns the k-th request's body; the ring wraps.
func (w *workload) body(k uint64) []byte {
	i := k % uint64(len(w.ends))
	start := 0
	if i > 0 {
		start = w.ends[i-1]
	}
	return w.arena[start:w.ends[i]:w.ends[i]]
}

// visitor maps request k to a visitor by a fixed scramble rather than the
// ring position, so long runs reach all visitors and a visitor's pageviews
// are spread over the run like a real session's.
func (w *workload) visitor(k uint64) int {
	x := (k ^ w.mixKey) * 0xbf58476d1ce4e5b9
	x ^= x >> 31
	x *= 0x94d049bb133111eb
	x ^= x >> 29
	return int(x % uint64(len(w.xff)))
}

// payload is a request body that can be re-read if the transport retries
// a request that never reached the server.
type payload struct {
	bytes.Reader
	src []byte
}

func (p *payload) Close() error { return nil }

func (p *payload) reopen() (io.ReadCloser, error) {
	q := &payload{src: p.src}
	q.Reset(p.src)
	return q, nil
}

// newTemplate builds the request every timed request is a shallow copy of;
// copying a struct is far cheaper than parsing the URL each time.
func newTemplate(ctx context.Context, endpoint string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodPost, endpoint, http.NoBody)
}

// request builds the k-th request. Every request gets its own Header map
// and body because the transport may still hold the previous ones briefly
// after a response; the values inside are shared and never written.
func (w *workload) request(tmpl *http.Request, k uint64) *http.Request {
	r := new(http.Request)
	*r = *tmpl
	src := w.body(k)
	p := &payload{src: src}
	p.Reset(src)
	v := w.visitor(k)
	r.Header = http.Header{
		"Content-Type":    textPlain,
		"User-Agent":      w.uaHdr[w.ua[v]],
		"X-Forwarded-For": w.xff[v],
	}
	r.Body = p
	r.GetBody = p.reopen
	r.ContentLength = int64(len(src))
	return r
}

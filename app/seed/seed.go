// Package seed writes realistic synthetic traffic through the real ingest
// pipeline (decoding, enrichment, sessions, the durable queue), for demos
// and benchmarks. Visits follow a daily rhythm, pages a Zipf curve, and
// sources, browsers and countries plausible shares.
package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"sort"
	"time"

	"github.com/footfallhq/footfall/app/ingest"
	"github.com/footfallhq/footfall/store"
)

// Pipeline is the part of the ingester the seeder drives.
type Pipeline interface {
	Prepare(ctx context.Context, body []byte, c ingest.Client) ([]store.Event, error)
	Enqueue(ctx context.Context, events []store.Event) error
}

// Options says what to write.
type Options struct {
	Site   string    // domain of an existing site
	Events int       // total events (pageviews, custom events, engagement)
	Days   int       // spread over the Days before End
	End    time.Time // default now
	Seed   uint64    // default 1
	// Lean leaves out performance measurements and engagement reports:
	// pageviews and custom events only, the mix peers were measured with.
	Lean     bool
	Progress func(done, total int)
}

// Run writes about o.Events events and returns how many were enqueued.
func Run(ctx context.Context, p Pipeline, o Options) (int, error) {
	if o.Events <= 0 || o.Days <= 0 {
		return 0, errors.New("seed: events and days must be positive")
	}
	if o.End.IsZero() {
		o.End = time.Now()
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	g := newGenerator(o)
	const chunk = 2000
	batch := make([]store.Event, 0, chunk)
	flush := func() error {
		for len(batch) > 0 {
			err := p.Enqueue(ctx, batch)
			if errors.Is(err, store.ErrFull) { // the batcher is behind: wait for it
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			if err != nil {
				return err
			}
			batch = batch[:0]
		}
		return nil
	}
	done := 0
	visitDays := map[uint64]uint64{}
	perDay := o.Events / o.Days
	for day := o.Days - 1; day >= 0; day-- {
		n := perDay
		if day == 0 {
			n = o.Events - perDay*(o.Days-1)
		}
		for _, h := range g.day(o.End.AddDate(0, 0, -day), n) {
			if err := ctx.Err(); err != nil {
				return done, err
			}
			events, err := p.Prepare(ctx, h.body, h.client)
			if err != nil {
				return done, fmt.Errorf("seed: %w", err)
			}
			for i := range events {
				dayScoped(&events[i], visitDays)
			}
			batch = append(batch, events...)
			done++
			if len(batch) >= chunk {
				if err := flush(); err != nil {
					return done, err
				}
				if o.Progress != nil {
					o.Progress(done, o.Events)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return done, err
	}
	if o.Progress != nil {
		o.Progress(done, o.Events)
	}
	return done, nil
}

type hit struct {
	at     time.Time
	body   []byte
	client ingest.Client
}

type generator struct {
	o     Options
	r     *rand.Rand
	zipf  *rand.Zipf
	paths []string
}

func newGenerator(o Options) *generator {
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	g := &generator{o: o, r: r, zipf: rand.NewZipf(r, 1.15, 2, uint64(len(pages)*25-1))}
	for i := 0; i < len(pages)*25; i++ {
		if i < len(pages) {
			g.paths = append(g.paths, pages[i])
		} else {
			g.paths = append(g.paths, fmt.Sprintf("/blog/post-%d", i))
		}
	}
	return g
}

// day returns about n hits on the day of t, in time order, ending no
// later than o.End.
func (g *generator) day(t time.Time, n int) []hit {
	start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	var hits []hit
	for len(hits) < n {
		visitStart := start.Add(g.diurnal())
		if visitStart.After(g.o.End) { // today so far only
			visitStart = start.Add(time.Duration(g.r.Int64N(int64(max(time.Second, g.o.End.Sub(start))))))
		}
		hits = append(hits, g.visit(visitStart, n-len(hits))...)
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].at.Before(hits[j].at) })
	return hits
}

// diurnal draws a time of day with more traffic in the afternoon.
func (g *generator) diurnal() time.Duration {
	for {
		h := g.r.Float64() * 24
		if g.r.Float64() < 0.35+0.65*math.Sin(math.Pi*math.Max(0, h-5)/19) {
			return time.Duration(h * float64(time.Hour))
		}
	}
}

// visit is one session: some pageviews, maybe an engagement report and a
// custom event.
func (g *generator) visit(at time.Time, budget int) []hit {
	client := ingest.Client{
		IP:        g.ip(),
		UserAgent: pick(g.r, userAgents),
		Time:      at,
	}
	ref := pick(g.r, referrers)
	utm := ""
	if g.r.IntN(8) == 0 {
		utm = pick(g.r, campaigns)
	}
	views := 1 + int(g.r.ExpFloat64()*1.2)
	var out []hit
	for i := 0; i < views && len(out) < budget; i++ {
		path := g.paths[g.zipf.Uint64()]
		url := "https://" + g.o.Site + path
		if i == 0 && utm != "" {
			url += utm
		}
		body := map[string]any{"n": "pageview", "u": url, "d": g.o.Site}
		if i == 0 && ref != "" {
			body["r"] = ref
		}
		if !g.o.Lean && g.r.IntN(3) == 0 {
			body["pf"] = g.perf()
		}
		out = append(out, g.hit(client, body))
		client.Time = client.Time.Add(time.Duration(5+g.r.IntN(240)) * time.Second)
		if !g.o.Lean && len(out) < budget && g.r.IntN(2) == 0 {
			out = append(out, g.hit(client, map[string]any{
				"n": "engagement", "u": url, "d": g.o.Site, "sd": g.r.IntN(101), "e": 1000 + g.r.IntN(120000),
			}))
		}
	}
	if len(out) < budget && g.r.IntN(12) == 0 {
		ev := pick(g.r, customEvents)
		body := map[string]any{"n": ev.name, "u": "https://" + g.o.Site + ev.path, "d": g.o.Site, "p": ev.props}
		if ev.revenue > 0 {
			body["$"] = map[string]any{"amount": fmt.Sprintf("%.2f", ev.revenue), "currency": "EUR"}
		}
		out = append(out, g.hit(client, body))
	}
	return out
}

func (g *generator) hit(c ingest.Client, body map[string]any) hit {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // only maps of strings and numbers: cannot fail
	}
	return hit{at: c.Time, body: b, client: c}
}

func (g *generator) ip() netip.Addr {
	// Public-looking addresses from a pool sized to the traffic, so visitors
	// come back across days.
	n := uint32(g.r.IntN(max(1000, g.o.Events/4)))
	prefix := pick(g.r, ipPrefixes)
	return netip.AddrFrom4([4]byte{prefix, byte(n >> 16), byte(n >> 8), byte(n)})
}

func (g *generator) perf() map[string]any {
	ttfb := 50 + g.r.ExpFloat64()*250
	fcp := ttfb + 200 + g.r.ExpFloat64()*600
	lcp := fcp + g.r.ExpFloat64()*900
	return map[string]any{
		"ttfb": int(ttfb), "fcp": int(fcp), "lcp": int(lcp),
		"cls": math.Round(g.r.ExpFloat64()*0.06*1000) / 1000, "inp": 40 + int(g.r.ExpFloat64()*120),
		"dns": g.r.IntN(40), "connect": 10 + g.r.IntN(60), "tls": 10 + g.r.IntN(50),
		"response": 5 + g.r.IntN(80), "dom": int(fcp) + g.r.IntN(500), "load": int(lcp) + g.r.IntN(800),
		"size": 20000 + g.r.IntN(400000),
	}
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// dayScoped gives a seeded event the visitor id it would have had on its
// own day. The ingest pipeline hashes with today's salt whatever the
// event's time; live, salts rotate daily, so a returning visitor is new
// each day and the id's high 32 bits are the salt's day. Keeping the hash
// and setting the day of the visit's first event does the same (a visit
// keeps one id across midnight, as live).
func dayScoped(e *store.Event, visitDays map[uint64]uint64) {
	day, ok := visitDays[e.SessionID]
	if !ok {
		day = uint64(e.Timestamp.Unix() / 86400)
		visitDays[e.SessionID] = day
	}
	e.VisitorID = day<<32 | e.VisitorID&0xffff_ffff
}

// Package ingest turns a tracker's request into stored events: decode and
// validate the body, look up the site, drop bots, enrich (browser, source,
// country), assign visitor and session, and hand the events to the durable
// queue. Only then is the request acknowledged; the batcher moves queued
// events into the events store.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/footfallhq/footfall/app/enrich"
	"github.com/footfallhq/footfall/app/geo"
	"github.com/footfallhq/footfall/app/visitor"
	"github.com/footfallhq/footfall/store"
)

// Client is what the transport knows of the sender. The IP is used for
// the geo lookup and the visitor hash and then forgotten: it is never
// stored or logged.
type Client struct {
	IP        netip.Addr
	UserAgent string
	Time      time.Time
	// Admit, when set, is asked about each site the request names once it
	// is looked up (rate limits, blocked accounts, a key's rights); an
	// error refuses the whole request and Ingest returns it as is.
	Admit func(site store.Site) error
}

// codeUnknownSite is the InputError code for a domain nobody registered.
const codeUnknownSite = "unknown_site"

// Ingester is the write path. It is safe for concurrent use.
type Ingester struct {
	sites    *SiteCache
	ua       *enrich.UAParser
	geo      *geo.Locator
	salts    *visitor.Salts
	sessions *visitor.Sessions
	queue    store.Queue
	metrics  *Metrics
	paused   func(ctx context.Context, siteID int64) bool
}

// ErrPaused is returned for events of sites whose account is over its
// plan's limit past the grace period (hosted mode): the handler answers
// 402. Nothing is stored; nothing stored before is touched.
var ErrPaused = errors.New("this site's account is over its plan's monthly events: new events are not being counted until it upgrades or the period ends")

// Config wires an Ingester.
type Config struct {
	Sites    *SiteCache
	UA       *enrich.UAParser
	Geo      *geo.Locator
	Salts    *visitor.Salts
	Sessions *visitor.Sessions
	Queue    store.Queue
	Metrics  *Metrics
	// Paused reports whether a site's events are refused (app/billing's
	// capacity policy); nil = never. It must be fast: it runs per event.
	Paused func(ctx context.Context, siteID int64) bool
}

// New returns an Ingester.
func New(c Config) *Ingester {
	return &Ingester{
		sites: c.Sites, ua: c.UA, geo: c.Geo, salts: c.Salts, sessions: c.Sessions,
		queue: c.Queue, metrics: c.Metrics, paused: c.Paused,
	}
}

// Ingest processes one /api/event body. It returns nil once the events are
// durable (or were deliberately dropped, e.g. as bot traffic: bots are
// not told), an *InputError for the client's mistakes, store.ErrFull when
// the queue cannot take more, and other errors for server faults.
func (in *Ingester) Ingest(ctx context.Context, body []byte, c Client) error {
	events, err := in.Prepare(ctx, body, c)
	if err != nil || len(events) == 0 {
		return err
	}
	return in.Enqueue(ctx, events)
}

// Prepare runs everything but the queue: it returns the events body
// stands for (none for bots), ready to enqueue. Bulk writers such as the
// seeder prepare many and enqueue them together.
func (in *Ingester) Prepare(ctx context.Context, body []byte, c Client) ([]store.Event, error) {
	in.metrics.received.Inc()
	req, err := Decode(body)
	if err != nil {
		in.metrics.dropped("invalid")
		return nil, err
	}
	return in.events(ctx, req, c)
}

// Enqueue makes events durable; see Ingest for its errors.
func (in *Ingester) Enqueue(ctx context.Context, events []store.Event) error {
	if err := in.queue.Enqueue(ctx, events); err != nil {
		if errors.Is(err, store.ErrFull) {
			in.metrics.dropped("queue_full")
		}
		return err
	}
	in.metrics.accepted.Add(float64(len(events)))
	return nil
}

// events builds the rows for req: one per site named in its domain list.
func (in *Ingester) events(ctx context.Context, req Request, c Client) ([]store.Event, error) {
	page, err := enrich.ParsePage(req.URL, req.HashMode)
	if err != nil {
		in.metrics.dropped("invalid")
		return nil, invalid("invalid_url", "%v", err)
	}
	var sites []store.Site
	paused := false
	for _, d := range enrich.Domains(req.Domain) {
		site, err := in.sites.Get(ctx, d)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ingest: look up site %q: %w", d, err)
		}
		if c.Admit != nil {
			if err := c.Admit(site); err != nil {
				in.metrics.dropped("refused")
				return nil, err
			}
		}
		if in.paused != nil && in.paused(ctx, site.ID) {
			paused = true
			continue
		}
		sites = append(sites, site)
	}
	if len(sites) == 0 && paused {
		in.metrics.dropped("paused")
		return nil, ErrPaused
	}
	if len(sites) == 0 {
		in.metrics.dropped("unknown_site")
		return nil, invalid(codeUnknownSite, "no site is registered for domain %q: add it in Footfall first", req.Domain)
	}

	ua := in.ua.Parse(c.UserAgent)
	if ua.Bot {
		in.metrics.dropped("bot_" + ua.BotReason)
		return nil, nil
	}
	ts := c.Time.UTC().Truncate(time.Millisecond)
	ref := enrich.Source(req.Referrer, page)
	loc := in.geo.Lookup(c.IP)
	screen := screenClass(req.ScreenWidth, ua.Device)

	events := make([]store.Event, 0, len(sites))
	for _, site := range sites {
		ev := store.Event{
			Timestamp: ts, SiteID: site.ID, Name: req.Name,
			Hostname: page.Hostname, Pathname: page.Pathname,
			Referrer: ref.URL, Source: ref.Source, Channel: ref.Channel,
			UTMSource: page.UTM.Source, UTMMedium: page.UTM.Medium, UTMCampaign: page.UTM.Campaign,
			UTMContent: page.UTM.Content, UTMTerm: page.UTM.Term,
			Country: loc.Country, Region: loc.Region, City: loc.City,
			Browser: ua.Browser, BrowserVersion: ua.BrowserVersion, OS: ua.OS, OSVersion: ua.OSVersion,
			Device: ua.Device, Screen: screen,
			Props:       req.Props,
			ScrollDepth: int8(req.ScrollDepth),
			LCPms:       req.Perf.LCP, CLS: req.Perf.CLS, HasCLS: req.Perf.HasCLS, INPms: req.Perf.INP, FCPms: req.Perf.FCP, TTFBms: req.Perf.TTFB,
			DNSms: req.Perf.DNS, ConnectMS: req.Perf.Connect, TLSms: req.Perf.TLS, ResponseMS: req.Perf.Response,
			DOMms: req.Perf.DOM, LoadMS: req.Perf.Load, TransferBytes: req.Perf.TransferBytes, ZeroTimings: req.Perf.Zero,
		}
		if req.Revenue != nil {
			ev.RevenueAmount, ev.RevenueCurrency = req.Revenue.Amount, req.Revenue.Currency
		}
		if req.Name == "engagement" {
			ev.EngagementMS = uint32(req.EngagementMS)
		}
		current, previous := in.salts.IDs(site.ID, c.IP, c.UserAgent)
		// Engagement only extends a visit: without an open session it is
		// a leftover from before a restart or salt change, not a visit.
		if !in.sessions.Assign(ctx, &ev, current, previous, req.Name != "engagement") {
			in.metrics.dropped("no_session")
			continue
		}
		events = append(events, ev)
	}
	return events, nil
}

// screenClass buckets a screen width the way Plausible does; without a
// width the device class stands in.
func screenClass(width int, device string) string {
	switch {
	case width <= 0:
		switch device {
		case "mobile":
			return "Mobile"
		case "tablet":
			return "Tablet"
		case "desktop":
			return "Desktop"
		}
		return ""
	case width < 576:
		return "Mobile"
	case width < 992:
		return "Tablet"
	case width < 1440:
		return "Laptop"
	}
	return "Desktop"
}

package storetest

import (
	"fmt"
	"slices"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Dataset returns n realistic events spread over days days from from (UTC),
// ordered by time: three sites of unequal traffic, visits of one or more
// pageviews with engagement reports, custom events with properties and
// revenue, and values drawn from short skewed lists. The same arguments give
// the same events on every platform and Go version, so golden results stay
// valid.
func Dataset(seed int64, n int, from time.Time, days int) []store.Event {
	return Generator{Seed: seed, Sites: 3, Paths: 60}.Events(n, from, days)
}

// Generator makes synthetic traffic. Its output depends only on its fields
// and the arguments of Events: it uses its own integer-only random source, so
// neither a new Go release nor floating-point contraction on another CPU can
// change a dataset that golden files were made from.
type Generator struct {
	Seed  int64
	Sites int // site ids 1..Sites, site 1 the busiest; 0 means 1
	Paths int // distinct page paths per site, Zipf-distributed; 0 means 60
	// Lean leaves out engagement reports, web vitals and navigation
	// timings, keeping pageviews and custom events: the payload mix DESIGN
	// §8's peer figures were measured with.
	Lean bool
}

// Events returns n events starting at from and spread over days days,
// sorted by timestamp. Visits near the end may run past the last day, as
// real traffic does, and the visit that reaches n is cut short.
func (g Generator) Events(n int, from time.Time, days int) []store.Event {
	if n <= 0 {
		return nil
	}
	sites := max(g.Sites, 1)
	npaths := max(g.Paths, 1)
	if g.Paths == 0 {
		npaths = 60
	}
	days = max(days, 1)
	r := newRNG(uint64(g.Seed))
	siteWeights := zipf(sites)
	pathWeights := zipf(npaths)
	paths := make([][]string, sites)
	for i := range paths {
		paths[i] = pagePaths(npaths)
	}
	type siteDay struct {
		site int
		day  int
	}
	seen := map[siteDay][]visitorProfile{}

	from = from.UTC().Truncate(time.Millisecond)
	events := make([]store.Event, 0, n+16)
	for len(events) < n {
		site := r.pick(siteWeights)
		day := r.intn(days)
		start := from.Add(time.Duration(day)*24*time.Hour +
			time.Duration(r.pick(hourWeights))*time.Hour +
			time.Duration(r.intn(3600_000))*time.Millisecond)

		// A fifth of visits come from someone already seen that day: same id
		// (salts rotate daily), same device and place.
		var v visitorProfile
		sd := siteDay{site, day}
		if prev := seen[sd]; len(prev) > 0 && r.intn(5) == 0 {
			v = prev[r.intn(len(prev))]
		} else {
			v = newVisitor(r)
			// Like real visitor ids, the high 32 bits are the day of the
			// salt (days since 1970-01-01): ids are unique per day.
			v.id = uint64(start.Unix()/86400)<<32 | v.id&0xffff_ffff
			seen[sd] = append(seen[sd], v)
		}
		events = session(r, events, int64(site+1), v, start, paths[site], pathWeights, g.Lean)
	}
	events = events[:n]
	slices.SortStableFunc(events, func(a, b store.Event) int {
		return a.Timestamp.Compare(b.Timestamp)
	})
	return events
}

type visitorProfile struct {
	id                               uint64
	country, region, city            string
	browser, browserVersion, os, osv string
	device, screen                   string
}

func newVisitor(r *rng) visitorProfile {
	v := visitorProfile{id: r.nonZero()}
	geo := geos[r.pick(geoWeights)]
	v.country = geo.country
	if len(geo.places) > 0 {
		p := geo.places[r.intn(len(geo.places))]
		v.region, v.city = p[0], p[1]
		if r.intn(10) == 0 { // region known, city not
			v.city = ""
		}
	}
	ua := agents[r.pick(agentWeights)]
	v.browser, v.os, v.device = ua.browser, ua.os, ua.device
	v.browserVersion = ua.versions[r.intn(len(ua.versions))]
	v.osv = ua.osVersions[r.intn(len(ua.osVersions))]
	v.screen = v.device
	if v.device == "tablet" && r.intn(4) == 0 {
		v.screen = "mobile"
	}
	return v
}

// session appends one visit: pageviews, an engagement report after most of
// them, and sometimes a custom event.
func session(r *rng, events []store.Event, site int64, v visitorProfile, start time.Time, paths []string, pathWeights dist, lean bool) []store.Event {
	src := sources[r.pick(sourceWeights)]
	base := store.Event{
		SiteID:         site,
		VisitorID:      v.id,
		SessionID:      r.nonZero(),
		Hostname:       fmt.Sprintf("example%d.com", site),
		Referrer:       src.referrer,
		Source:         src.source,
		Channel:        src.channel,
		Country:        v.country,
		Region:         v.region,
		City:           v.city,
		Browser:        v.browser,
		BrowserVersion: v.browserVersion,
		OS:             v.os,
		OSVersion:      v.osv,
		Device:         v.device,
		Screen:         v.screen,
	}
	if r.intn(10) == 0 {
		base.Hostname = "blog." + base.Hostname
	}
	if r.intn(8) == 0 {
		c := campaigns[r.intn(len(campaigns))]
		base.UTMSource, base.UTMMedium, base.UTMCampaign = c[0], c[1], c[2]
		if r.intn(3) == 0 {
			base.UTMContent = []string{"hero", "footer"}[r.intn(2)]
		}
		if r.intn(10) == 0 {
			base.UTMTerm = "web analytics"
		}
		if base.Source == "" {
			base.Source, base.Channel = c[3], c[4]
		}
	}

	pageviews := 1
	for pageviews < 8 && r.intn(100) < 45 {
		pageviews++
	}
	custom := -1 // index of the pageview followed by a custom event
	if r.intn(100) < 15 {
		custom = r.intn(pageviews)
	}
	ts := start
	for i := range pageviews {
		path := paths[r.pick(pathWeights)]
		if i == 0 {
			base.EntryPage = path
		}
		pv := base
		pv.Timestamp = ts
		pv.Name = "pageview"
		pv.Pathname = path
		pv.ScrollDepth = -1
		if r.intn(10) < 7 && !lean {
			setTimings(r, &pv)
		}
		events = append(events, pv)

		stay := time.Duration(3000+r.intn(240_000)) * time.Millisecond
		if i == custom {
			ce := pv
			ce.Timestamp = ts.Add((stay / 2).Truncate(time.Millisecond))
			setCustom(r, &ce)
			events = append(events, ce)
		}
		if r.intn(10) < 8 && !lean {
			en := base
			en.Name = "engagement"
			en.Pathname = path
			en.Timestamp = ts.Add(stay - time.Second)
			en.EngagementMS = uint32(stay/time.Millisecond) - uint32(r.intn(2000)) - 1000
			en.ScrollDepth = int8(r.intn(101))
			if r.intn(10) < 6 {
				setVitals(r, &en)
			}
			events = append(events, en)
		}
		ts = ts.Add(stay)
	}
	return events
}

func setTimings(r *rng, e *store.Event) {
	e.DNSms = uint32(1 + r.intn(60))
	e.ConnectMS = uint32(1 + r.intn(80))
	e.TLSms = uint32(1 + r.intn(60))
	e.ResponseMS = uint32(20 + r.intn(400))
	e.DOMms = uint32(200 + r.intn(2500))
	e.LoadMS = e.DOMms + uint32(r.intn(1500))
	e.TransferBytes = uint32(2000 + r.intn(400_000))
	if e.DNSms <= 15 {
		// A quarter of loads reuse a connection: no DNS, connect or TLS
		// time, measured as such.
		e.DNSms, e.ConnectMS, e.TLSms = 0, 0, 0
		e.ZeroTimings = store.ZeroDNS | store.ZeroConnect | store.ZeroTLS
	}
}

func setVitals(r *rng, e *store.Event) {
	e.TTFBms = uint32(50 + r.intn(r.intn(1500)+1))
	e.FCPms = e.TTFBms + uint32(100+r.intn(r.intn(2500)+1))
	e.LCPms = e.FCPms + uint32(r.intn(r.intn(3000)+1))
	e.CLS = float32(r.intn(r.intn(500)+1)) / 1000
	e.HasCLS = true
	if r.intn(10) < 3 {
		e.INPms = uint32(16 + r.intn(r.intn(800)+1))
	}
}

func setCustom(r *rng, e *store.Event) {
	e.ScrollDepth = -1
	switch r.intn(10) {
	case 0, 1, 2, 3:
		e.Name = "Outbound Link: Click"
		e.Props = map[string]string{"url": fmt.Sprintf("https://github.com/example/repo%d", r.intn(12))}
	case 4, 5, 6:
		e.Name = "Signup"
		e.Props = map[string]string{"plan": []string{"free", "pro"}[r.intn(2)]}
	case 7, 8:
		e.Name = "Purchase"
		e.Props = map[string]string{"plan": "pro", "period": []string{"month", "year"}[r.intn(2)]}
		e.RevenueCurrency = []string{"USD", "EUR"}[r.intn(2)]
		e.RevenueAmount = float64(900+r.intn(10_000)) / 100
	default:
		e.Name = "File Download"
		e.Props = map[string]string{"url": fmt.Sprintf("/downloads/report-%d.pdf", r.intn(5))}
	}
}

// pagePaths returns n paths, most popular first, with some upper case and
// repeated words so that "contains" filters have work to do.
func pagePaths(n int) []string {
	fixed := []string{"/", "/pricing", "/docs", "/blog", "/about", "/signup", "/login",
		"/features", "/Docs/Getting-Started", "/contact", "/changelog", "/blog/hello-world"}
	out := make([]string, 0, n)
	for i := 0; len(out) < n; i++ {
		switch {
		case i < len(fixed):
			out = append(out, fixed[i])
		case i%3 == 0:
			out = append(out, fmt.Sprintf("/docs/page-%d", i))
		default:
			out = append(out, fmt.Sprintf("/blog/post-%d", i))
		}
	}
	return out
}

// hourWeights shapes a day of traffic (UTC): quiet at night, busiest in the
// European afternoon and American morning.
var hourWeights = weights(2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14, 14, 13, 11, 9, 7, 5, 4, 3)

var sources = []struct{ source, channel, referrer string }{
	{"", "Direct", ""},
	{"Google", "Organic Search", "www.google.com/"},
	{"Hacker News", "Social", "news.ycombinator.com/item"},
	{"Bing", "Organic Search", "www.bing.com/"},
	{"Twitter", "Organic Social", "t.co/"},
	{"Reddit", "Organic Social", "www.reddit.com/r/golang/comments"},
	{"GitHub", "Referral", "github.com/footfallhq/footfall"},
	{"DuckDuckGo", "Organic Search", "duckduckgo.com/"},
	{"Example Blog", "Referral", "blog.example.org/2026/analytics"},
}
var sourceWeights = weights(40, 25, 8, 6, 5, 4, 3, 3, 2)

// campaigns: utm_source, utm_medium, utm_campaign, and the source and
// channel a direct visit gets from them.
var campaigns = [][5]string{
	{"newsletter", "email", "spring-launch", "newsletter", "Email"},
	{"twitter", "social", "spring-launch", "Twitter", "Organic Social"},
	{"producthunt", "referral", "launch-day", "Product Hunt", "Referral"},
	{"google", "cpc", "brand", "Google", "Paid Search"},
}

var geos = []struct {
	country string
	places  [][2]string // region, city
}{
	{"US", [][2]string{{"US-CA", "San Francisco"}, {"US-NY", "New York"}, {"US-TX", "Austin"}, {"US-WA", "Seattle"}}},
	{"DE", [][2]string{{"DE-BE", "Berlin"}, {"DE-BY", "Munich"}, {"DE-HH", "Hamburg"}}},
	{"GB", [][2]string{{"GB-ENG", "London"}, {"GB-SCT", "Edinburgh"}}},
	{"IN", [][2]string{{"IN-MH", "Mumbai"}, {"IN-KA", "Bengaluru"}}},
	{"FR", [][2]string{{"FR-IDF", "Paris"}, {"FR-ARA", "Lyon"}}},
	{"BR", [][2]string{{"BR-SP", "São Paulo"}}},
	{"JP", [][2]string{{"JP-13", "Tokyo"}}},
	{"CA", [][2]string{{"CA-ON", "Toronto"}, {"CA-QC", "Montréal"}}},
	{"NL", [][2]string{{"NL-NH", "Amsterdam"}}},
	{"", nil},
}
var geoWeights = weights(30, 14, 10, 9, 7, 5, 4, 4, 3, 2)

var agents = []struct {
	browser, os, device  string
	versions, osVersions []string
}{
	{"Chrome", "Windows", "desktop", []string{"124", "125", "126"}, []string{"10", "11"}},
	{"Safari", "iOS", "mobile", []string{"17.4", "17.5"}, []string{"17.4", "17.5"}},
	{"Chrome", "Android", "mobile", []string{"125", "126"}, []string{"13", "14"}},
	{"Safari", "Mac", "desktop", []string{"17.4", "17.5"}, []string{"14"}},
	{"Firefox", "Windows", "desktop", []string{"126", "127"}, []string{"10", "11"}},
	{"Edge", "Windows", "desktop", []string{"125"}, []string{"11"}},
	{"Firefox", "GNU/Linux", "desktop", []string{"127"}, []string{""}},
	{"Safari", "iPadOS", "tablet", []string{"17.5"}, []string{"17.5"}},
	{"Samsung Internet", "Android", "mobile", []string{"25"}, []string{"14"}},
}
var agentWeights = weights(30, 20, 16, 10, 8, 6, 4, 3, 3)

// zipf returns a distribution over n ranks with weights proportional to
// 1/rank.
func zipf(n int) dist {
	w := make([]uint64, n)
	for i := range w {
		w[i] = max(720720/uint64(i+1), 1)
	}
	return weights(w...)
}

// rng is splitmix64: tiny, fast, and fixed forever, unlike math/rand's
// helpers, whose output a Go release may change.
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); the modulo bias is irrelevant here.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) nonZero() uint64 {
	for {
		if v := r.next(); v != 0 {
			return v
		}
	}
}

// dist is a discrete distribution: cumulative integer weights.
type dist []uint64

func weights(w ...uint64) dist {
	d := make(dist, len(w))
	var sum uint64
	for i, x := range w {
		sum += x
		d[i] = sum
	}
	return d
}

// pick returns an index drawn from d.
func (r *rng) pick(d dist) int {
	x := r.next() % d[len(d)-1]
	i, _ := slices.BinarySearchFunc(d, x, func(c, x uint64) int {
		if c <= x {
			return -1
		}
		return 1
	})
	return i
}

package bench

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
)

// The payload mix is the one DESIGN §8's peer figures were measured with;
// change it and old numbers stop being comparable.
const (
	numPaths    = 2000
	numVisitors = 100_000
	// maxBodies bounds the pre-generated ring: big enough that the bodies
	// do not repeat within a second of load, small enough (≈10 MB) to
	// build in well under a second.
	maxBodies = 1 << 16
	// zipfS is the skew of page popularity; ≈1.1 matches published
	// measurements of web page popularity.
	zipfS = 1.1
)

// userAgents are current browsers as real visitors send them, weighted
// roughly like a Western tech site's audience. No bots or headless
// browsers: the server drops those and the run would measure the filter.
var userAgents = []struct {
	ua     string
	weight int
}{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36", 22},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36", 10},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36", 3},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0", 4},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:140.0) Gecko/20100101 Firefox/140.0", 2},
	{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0", 2},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15", 6},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36 Edg/138.0.0.0", 5},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36 Edg/138.0.0.0", 1},
	{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36", 16},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1", 14},
	{"Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1", 2},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.156 Mobile/15E148 Safari/604.1", 3},
	{"Mozilla/5.0 (Android 15; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0", 2},
	{"Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36", 4},
	{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36 EdgA/138.0.0.0", 1},
}

// referrers: "" is a direct visit (the tracker sends null); "internal" is a
// click from another page of the same site, which a server must not count
// as a new source.
var referrers = []struct {
	url    string
	weight int
}{
	{"", 34},
	{"internal", 12},
	{"https://www.google.com/", 24},
	{"https://www.bing.com/", 4},
	{"https://duckduckgo.com/", 4},
	{"https://t.co/Xq7bR2kLmP", 4},
	{"https://news.ycombinator.com/", 3},
	{"https://news.ycombinator.com/item?id=41234567", 3},
	{"https://www.reddit.com/r/selfhosted/comments/1f2x3y4/privacy_friendly_analytics/", 4},
	{"https://github.com/", 2},
	{"https://www.linkedin.com/", 2},
	{"https://android-app://com.google.android.gm/", 1},
	{"https://example-blog.dev/2025/weekly-links", 3},
}

// utmTags are appended to a few landing URLs, as campaigns do.
var utmTags = []string{
	"?utm_source=newsletter&utm_medium=email&utm_campaign=spring_launch",
	"?utm_source=twitter&utm_medium=social&utm_campaign=v2",
	"?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=analytics",
	"?ref=producthunt",
}

// customEvents stand in for goals: a few % of all events, some carrying
// props, one carrying revenue (added separately).
var customEvents = []struct{ name, props string }{
	{"Signup", `{"plan":"pro"}`},
	{"Signup", `{"plan":"free"}`},
	{"Download", `{"file":"footfall-linux-amd64.tar.gz"}`},
	{"Outbound Link: Click", `{"url":"https://github.com/footfallhq/footfall"}`},
	{"404", `{"path":"/old-page"}`},
	{"Contact", ``},
}

var revenues = []struct{ amount, currency string }{
	{"9.99", "EUR"}, {"49.00", "USD"}, {"19.00", "EUR"}, {"199.00", "GBP"},
}

// Shares of the body mix, in per-mille.
const (
	customPerMille  = 30 // custom events with or without props
	revenuePerMille = 8  // "Purchase" with revenue
	utmPerMille     = 50 // pageviews whose URL carries campaign tags
)

// generator makes event bodies. It is deterministic for a seed so two runs
// (Footfall and the no-op) send exactly the same requests.
type generator struct {
	site     string
	rng      *rand.Rand
	zipf     *rand.Zipf
	paths    []string
	refTotal int
}

func newGenerator(site string, seed int64) *generator {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x666f6f7466616c6c))
	g := &generator{
		site:  site,
		rng:   rng,
		zipf:  rand.NewZipf(rng, zipfS, 1, numPaths-1),
		paths: makePaths(rng),
	}
	for _, r := range referrers {
		g.refTotal += r.weight
	}
	return g
}

// makePaths lists the site's pages by popularity rank: the home page and
// the usual marketing pages first, then blog posts, docs and a long tail
// of /p/N pages.
func makePaths(rng *rand.Rand) []string {
	paths := []string{
		"/", "/pricing", "/blog", "/docs", "/features", "/about",
		"/docs/getting-started", "/login", "/register", "/contact",
		"/blog/why-we-dropped-cookies", "/docs/installation", "/changelog",
		"/integrations", "/privacy", "/terms", "/careers", "/customers",
	}
	words := []string{"privacy", "analytics", "self-hosted", "go", "duckdb",
		"cookies", "gdpr", "performance", "release", "notes", "guide", "tracker"}
	sections := []string{"api", "deploy", "config", "tracking", "goals", "faq"}
	for i := 0; len(paths) < numPaths; i++ {
		switch i % 5 {
		case 0:
			paths = append(paths, "/blog/"+words[rng.IntN(len(words))]+"-"+words[rng.IntN(len(words))]+"-"+strconv.Itoa(i))
		case 1:
			paths = append(paths, "/docs/"+sections[rng.IntN(len(sections))]+"/topic-"+strconv.Itoa(i))
		default:
			paths = append(paths, "/p/"+strconv.Itoa(i))
		}
	}
	return paths
}

func (g *generator) pageURL(dst []byte, rank uint64) []byte {
	dst = append(dst, "https://"...)
	dst = append(dst, g.site...)
	return append(dst, g.paths[rank]...)
}

// appendBody appends one event body in the current Plausible tracker's
// shape: {"n","u","d","r"} plus "p" (props object) and "$" (revenue).
func (g *generator) appendBody(dst []byte) []byte {
	name, props, revenue := "pageview", "", -1
	switch k := g.rng.IntN(1000); {
	case k < revenuePerMille:
		name, props, revenue = "Purchase", `{"plan":"pro"}`, g.rng.IntN(len(revenues))
	case k < revenuePerMille+customPerMille:
		e := customEvents[g.rng.IntN(len(customEvents))]
		name, props = e.name, e.props
	}

	dst = append(dst, `{"n":`...)
	dst = appendJSONString(dst, name)
	dst = append(dst, `,"u":"`...)
	dst = g.pageURL(dst, g.zipf.Uint64())
	if name == "pageview" && g.rng.IntN(1000) < utmPerMille {
		dst = append(dst, utmTags[g.rng.IntN(len(utmTags))]...)
	}
	dst = append(dst, `","d":`...)
	dst = appendJSONString(dst, g.site)
	dst = append(dst, `,"r":`...)
	switch ref := g.referrer(); ref {
	case "":
		dst = append(dst, "null"...)
	case "internal":
		dst = append(dst, '"')
		dst = g.pageURL(dst, g.zipf.Uint64())
		dst = append(dst, '"')
	default:
		dst = appendJSONString(dst, ref)
	}
	if props != "" {
		dst = append(dst, `,"p":`...)
		dst = append(dst, props...)
	}
	if revenue >= 0 {
		r := revenues[revenue]
		dst = append(dst, `,"$":{"amount":`...)
		dst = appendJSONString(dst, r.amount)
		dst = append(dst, `,"currency":`...)
		dst = appendJSONString(dst, r.currency)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

func (g *generator) referrer() string {
	n := g.rng.IntN(g.refTotal)
	for _, r := range referrers {
		if n < r.weight {
			return r.url
		}
		n -= r.weight
	}
	return ""
}

// appendJSONString quotes s for JSON. The payload strings are ASCII, but a
// site name comes from the command line, so escape properly anyway.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// visitors returns the client addresses (as X-Forwarded-For values) and a
// user-agent index for each. An address keeps its user agent, as a real
// visitor does, so the server sees numVisitors distinct visitors.
func (g *generator) visitors(n int) (xff []string, ua []uint8) {
	total := 0
	for _, u := range userAgents {
		total += u.weight
	}
	seen := make(map[netip.Addr]struct{}, n)
	var all strings.Builder
	all.Grow(n * 16)
	ends := make([]int, 0, n)
	ua = make([]uint8, 0, n)
	for len(ends) < n {
		a := g.publicAddr()
		if _, dup := seen[a]; dup {
			continue
		}
		seen[a] = struct{}{}
		all.WriteString(a.String())
		ends = append(ends, all.Len())
		k := g.rng.IntN(total)
		i := 0
		for k >= userAgents[i].weight {
			k -= userAgents[i].weight
			i++
		}
		ua = append(ua, uint8(i))
	}
	// One backing string for all addresses: 2 allocations, not 100,000.
	s := all.String()
	xff = make([]string, n)
	start := 0
	for i, end := range ends {
		xff[i] = s[start:end]
		start = end
	}
	return xff, ua
}

// publicAddr draws an address that looks like a real visitor's: one in
// ten is IPv6 from regional-registry blocks, the rest IPv4 outside every
// private, shared, reserved, documentation and multicast range (a server
// may treat those specially, and geo lookup would find nothing).
func (g *generator) publicAddr() netip.Addr {
	if g.rng.IntN(10) == 0 {
		var b [16]byte
		prefixes := [...]uint16{0x2a01, 0x2a02, 0x2a03, 0x2a00, 0x2600, 0x2601, 0x2603, 0x2604, 0x2400, 0x2401, 0x2800}
		p := prefixes[g.rng.IntN(len(prefixes))]
		b[0], b[1] = byte(p>>8), byte(p)
		for i := 2; i < 16; i += 8 {
			v := g.rng.Uint64()
			for j := 0; j < 8 && i+j < 16; j++ {
				b[i+j] = byte(v >> (8 * j))
			}
		}
		return netip.AddrFrom16(b)
	}
	for {
		v := g.rng.Uint32()
		a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		if isPublicV4(a) {
			return a
		}
	}
}

var nonPublicV4 = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
		"169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
		"192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

func isPublicV4(a netip.Addr) bool {
	for _, p := range nonPublicV4 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

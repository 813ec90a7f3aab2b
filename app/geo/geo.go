// Package geo maps a visitor's IP address to country, region and city
// while the request is handled, so that only the place, never the address,
// is stored.
//
// Lookups are local only: by default against the IP2Location LITE country
// data shipped inside the binary (github.com/phuslu/iploc), and, when the
// operator provides one, against an MMDB city database (GeoLite2-City or
// DB-IP City layout) for region and city. There is never a network lookup.
package geo

import (
	"fmt"
	"net/netip"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/phuslu/iploc"
)

// Attribution is the licence notice for the shipped country data, which
// CC BY-SA 4.0 requires wherever the data is shown (the dashboard footer).
const Attribution = "IP geolocation by IP2Location LITE, https://lite.ip2location.com, CC BY-SA 4.0"

// maxCached bounds the per-record cache; a city database has a few hundred
// thousand distinct records, and traffic concentrates on far fewer.
const maxCached = 1 << 16

// Location is where an IP address is, as far as the data knows. Empty
// fields mean unknown.
type Location struct {
	// Country is the ISO 3166-1 alpha-2 code, e.g. "DE".
	Country string
	// Region is the ISO 3166-2 subdivision code, e.g. "DE-BY".
	Region string
	// City is the English city name.
	City string
}

// Locator looks up locations. The zero Locator uses the shipped country
// data only. A Locator is safe for concurrent use.
type Locator struct {
	db *maxminddb.Reader

	mu    sync.RWMutex
	cache map[uintptr]Location // by MMDB record offset
}

// Open returns a Locator that uses the MMDB file at path for country,
// region and city, falling back to the shipped data for the country when
// the file has none for an address. An empty path uses the shipped data
// only. The file is memory-mapped until Close.
func Open(path string) (*Locator, error) {
	if path == "" {
		return &Locator{}, nil
	}
	db, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geo: open %s: %w", path, err)
	}
	return &Locator{db: db, cache: make(map[uintptr]Location)}, nil
}

// Warm unpacks the shipped IPv6 table, which takes a noticeable fraction of
// a second of CPU once per process. The server calls it in the background
// once it is serving, so neither start-up nor the first IPv6 visitor waits.
func (l *Locator) Warm() {
	iploc.IPCountry(netip.MustParseAddr("2000::1"))
}

// Close releases the MMDB file, if any. The Locator must not be used after.
func (l *Locator) Close() error {
	if l == nil || l.db == nil {
		return nil
	}
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("geo: close: %w", err)
	}
	return nil
}

// Lookup returns the location of ip. Private, loopback, link-local,
// multicast, documentation and other reserved addresses, and addresses
// the data does not know, give an empty Location.
func (l *Locator) Lookup(ip netip.Addr) Location {
	ip = ip.Unmap()
	if !isPublic(ip) {
		return Location{}
	}
	if l != nil && l.db != nil {
		if loc, ok := l.lookupDB(ip); ok {
			return loc
		}
	}
	return Location{Country: shippedCountry(ip)}
}

// cityRecord is the part of a GeoLite2-City / DB-IP City record we use;
// the decoder skips everything else without allocating for it.
type cityRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names struct {
			EN string `maxminddb:"en"`
		} `maxminddb:"names"`
	} `maxminddb:"city"`
}

// lookupDB reports false when the database has no country for ip, so the
// caller falls back to the shipped data.
func (l *Locator) lookupDB(ip netip.Addr) (Location, bool) {
	res := l.db.Lookup(ip)
	if res.Err() != nil || !res.Found() {
		return Location{}, false
	}
	off := res.Offset()
	l.mu.RLock()
	loc, ok := l.cache[off]
	l.mu.RUnlock()
	if ok {
		return loc, loc.Country != ""
	}

	var rec cityRecord
	if err := res.Decode(&rec); err != nil {
		// A corrupt record is treated as absent rather than failing the
		// event: the country still comes from the shipped data.
		return Location{}, false
	}
	if isCountryCode(rec.Country.ISOCode) {
		loc.Country = rec.Country.ISOCode
		if len(rec.Subdivisions) > 0 && isSubdivisionCode(rec.Subdivisions[0].ISOCode) {
			loc.Region = loc.Country + "-" + rec.Subdivisions[0].ISOCode
		}
		loc.City = rec.City.Names.EN
	}

	l.mu.Lock()
	if len(l.cache) >= maxCached {
		clear(l.cache)
	}
	l.cache[off] = loc
	l.mu.Unlock()
	return loc, loc.Country != ""
}

// shippedCountry looks ip up in the embedded IP2Location LITE data, which
// marks unknown ranges "ZZ".
func shippedCountry(ip netip.Addr) string {
	c := iploc.IPCountry(ip)
	if !isCountryCode(c) || c == "ZZ" {
		return ""
	}
	return c
}

func isCountryCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

// isSubdivisionCode accepts the part after the hyphen of ISO 3166-2:
// one to three letters or digits.
func isSubdivisionCode(s string) bool {
	if len(s) == 0 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isPublic reports whether ip can be on a map: not private, loopback,
// link-local, multicast, documentation or otherwise reserved (RFC 6890 and
// its successors). It is written as byte tests rather than a list of
// netip.Prefix because it runs for every event and a prefix scan cost more
// than the country lookup itself.
func isPublic(ip netip.Addr) bool {
	if ip.Is4() {
		b := ip.As4()
		switch b[0] {
		case 0, 10, 127:
			return false
		case 100: // 100.64.0.0/10, carrier-grade NAT
			return b[1]&0xc0 != 64
		case 169: // 169.254.0.0/16, link-local
			return b[1] != 254
		case 172: // 172.16.0.0/12
			return b[1]&0xf0 != 16
		case 192: // 192.168.0.0/16; 192.0.0.0/24 and 192.0.2.0/24 (TEST-NET-1)
			return b[1] != 168 && !(b[1] == 0 && (b[2] == 0 || b[2] == 2))
		case 198: // 198.18.0.0/15 benchmarking; 198.51.100.0/24 (TEST-NET-2)
			return b[1]&0xfe != 18 && !(b[1] == 51 && b[2] == 100)
		case 203: // 203.0.113.0/24 (TEST-NET-3)
			return !(b[1] == 0 && b[2] == 113)
		}
		return b[0] < 224 // multicast, reserved and broadcast above
	}
	if !ip.Is6() {
		return false
	}
	b := ip.As16()
	switch {
	case b[0]&0xe0 != 0x20:
		// Only 2000::/3 is global unicast; this excludes ::, ::1, ULA,
		// link-local, multicast, discard and NAT64 prefixes.
		return false
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8: // 2001:db8::/32
		return false
	case b[0] == 0x3f && b[1] == 0xff && b[2]&0xf0 == 0: // 3fff::/20
		return false
	}
	return true
}

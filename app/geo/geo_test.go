package geo

import (
	"flag"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

var update = flag.Bool("update", false, "regenerate testdata/city.mmdb")

const cityDB = "testdata/city.mmdb"

// cityRecords is the content of testdata/city.mmdb: made-up data in the
// GeoLite2-City layout, on public ranges so the reserved-address filter
// lets them through.
var cityRecords = []struct {
	network string
	record  mmdbtype.Map
}{
	{"81.2.69.0/24", city("GB", "ENG", "London")},
	{"89.160.20.0/24", city("SE", "E", "Linköping")},
	{"2a02:8070::/32", city("DE", "BY", "Munich")},
	{"5.6.7.0/24", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("FR")}}},
	{"5.6.8.0/24", city("FR", "not a code", "Paris")},
	// A record without a country: the shipped data must fill it in.
	{"8.8.8.0/24", mmdbtype.Map{"city": mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("Nowhere")}}}},
}

func city(country, subdivision, name string) mmdbtype.Map {
	return mmdbtype.Map{
		"country":      mmdbtype.Map{"iso_code": mmdbtype.String(country), "names": mmdbtype.Map{"en": mmdbtype.String("x")}},
		"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String(subdivision)}},
		"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(name), "de": mmdbtype.String(name + "-de")}},
	}
}

// TestGenerateCityDB rewrites the fixture with -update. The file is
// committed so the normal test run needs no writer at all.
func TestGenerateCityDB(t *testing.T) {
	if !*update {
		if _, err := os.Stat(cityDB); err != nil {
			t.Fatalf("%s missing; run go test ./app/geo -run TestGenerateCityDB -update: %v", cityDB, err)
		}
		t.Skip("fixture is regenerated only with -update")
	}
	w, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: "Footfall-Test-City",
		Description:  map[string]string{"en": "made-up test data for app/geo"},
		BuildEpoch:   1_700_000_000,
		RecordSize:   24,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cityRecords {
		_, network, err := net.ParseCIDR(r.network)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Insert(network, r.record); err != nil {
			t.Fatalf("Insert(%s): %v", r.network, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(cityDB), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(cityDB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLookupShipped(t *testing.T) {
	l, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		ip   string
		want Location
	}{
		{"8.8.8.8", Location{Country: "US"}},
		{"23.16.28.232", Location{Country: "CA"}},
		{"::ffff:23.16.28.232", Location{Country: "CA"}},
		{"2404:6800:4008:801::2004", Location{Country: "TW"}},
		{"2620:0:2d0:200::7", Location{Country: "US"}},
	}
	for _, tt := range tests {
		if got := l.Lookup(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Lookup(%s) = %+v, want %+v", tt.ip, got, tt.want)
		}
	}
}

func TestLookupNotPublic(t *testing.T) {
	l := openCity(t)
	for _, ip := range []string{
		"0.0.0.0", "0.1.2.3", "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
		"169.254.1.1", "100.64.0.1", "192.0.2.1", "198.51.100.7", "203.0.113.9",
		"198.18.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",
		"::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1", "::ffff:127.0.0.1",
	} {
		if got := l.Lookup(netip.MustParseAddr(ip)); got != (Location{}) {
			t.Errorf("Lookup(%s) = %+v, want empty", ip, got)
		}
	}
	if got := l.Lookup(netip.Addr{}); got != (Location{}) {
		t.Errorf("Lookup(zero Addr) = %+v, want empty", got)
	}
}

func TestLookupCity(t *testing.T) {
	l := openCity(t)
	tests := []struct {
		ip   string
		want Location
	}{
		{"81.2.69.142", Location{Country: "GB", Region: "GB-ENG", City: "London"}},
		{"89.160.20.112", Location{Country: "SE", Region: "SE-E", City: "Linköping"}},
		{"::ffff:89.160.20.112", Location{Country: "SE", Region: "SE-E", City: "Linköping"}},
		{"2a02:8070:1234::1", Location{Country: "DE", Region: "DE-BY", City: "Munich"}},
		{"5.6.7.8", Location{Country: "FR"}},
		{"5.6.8.9", Location{Country: "FR", City: "Paris"}},
		// No country in the file: the shipped data's country, nothing else.
		{"8.8.8.8", Location{Country: "US"}},
		// Not in the file at all.
		{"23.16.28.232", Location{Country: "CA"}},
	}
	for _, tt := range tests {
		// Twice: the second answer comes from the record cache.
		for range 2 {
			if got := l.Lookup(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("Lookup(%s) = %+v, want %+v", tt.ip, got, tt.want)
			}
		}
	}
}

func TestZeroLocator(t *testing.T) {
	var l Locator
	if got := l.Lookup(netip.MustParseAddr("8.8.8.8")); got.Country != "US" {
		t.Errorf("zero Locator Lookup(8.8.8.8) = %+v, want US", got)
	}
	if err := l.Close(); err != nil {
		t.Errorf("zero Locator Close() = %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("Open(missing file) = nil error")
	}
	bad := filepath.Join(t.TempDir(), "bad.mmdb")
	if err := os.WriteFile(bad, []byte("not an mmdb"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bad); err == nil {
		t.Error("Open(garbage file) = nil error")
	}
}

func openCity(tb testing.TB) *Locator {
	tb.Helper()
	l, err := Open(cityDB)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

func BenchmarkLookup(b *testing.B) {
	ips := []netip.Addr{
		netip.MustParseAddr("81.2.69.142"),
		netip.MustParseAddr("23.16.28.232"),
		netip.MustParseAddr("2a02:8070:1234::1"),
		netip.MustParseAddr("2404:6800:4008:801::2004"),
	}
	shipped, err := Open("")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		l    *Locator
	}{{"db=shipped", shipped}, {"db=mmdb", openCity(b)}} {
		b.Run(bc.name, func(b *testing.B) {
			// The first IPv6 lookup unpacks the shipped IPv6 table; that
			// happens once per process and is not what is measured here.
			for _, ip := range ips {
				bc.l.Lookup(ip)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				bc.l.Lookup(ips[i%len(ips)])
				i++
			}
		})
	}
}

// TestIsPublicBoundaries checks the hand-written byte tests against the
// ranges they stand for, at each range's edges and just outside them.
func TestIsPublicBoundaries(t *testing.T) {
	notPublic := []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
		"::/3", "4000::/2", "8000::/1", "2001:db8::/32", "3fff::/20",
	}
	var prefixes []netip.Prefix
	for _, s := range notPublic {
		prefixes = append(prefixes, netip.MustParsePrefix(s))
	}
	reference := func(ip netip.Addr) bool {
		for _, p := range prefixes {
			if p.Contains(ip) {
				return false
			}
		}
		return true
	}
	for _, p := range prefixes {
		first := p.Masked().Addr()
		last := first
		for n := p.Bits(); n < first.BitLen(); n++ {
			last = setBit(last, n)
		}
		for _, ip := range []netip.Addr{first, last, first.Prev(), last.Next()} {
			if !ip.IsValid() {
				continue
			}
			if got, want := isPublic(ip), reference(ip); got != want {
				t.Errorf("isPublic(%s) = %v, want %v (edge of %s)", ip, got, want, p)
			}
		}
	}
}

func setBit(ip netip.Addr, n int) netip.Addr {
	if ip.Is4() {
		b := ip.As4()
		b[n/8] |= 0x80 >> (n % 8)
		return netip.AddrFrom4(b)
	}
	b := ip.As16()
	b[n/8] |= 0x80 >> (n % 8)
	return netip.AddrFrom16(b)
}

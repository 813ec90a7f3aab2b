package enrich

import (
	"fmt"
	"testing"
)

var benchUAs = []string{uaChromeWindows, uaSafariIPhone, uaChromeAndroid, uaFirefoxLinux, uaEdgeWindows, uaSamsung, uaGooglebot, uaSafariMac}

func BenchmarkParseUA(b *testing.B) {
	b.Run("cache=hit", func(b *testing.B) {
		p := NewUAParser(10_000)
		for _, ua := range benchUAs {
			p.Parse(ua)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			p.Parse(benchUAs[i%len(benchUAs)])
			i++
		}
	})
	b.Run("cache=none", func(b *testing.B) {
		p := NewUAParser(0)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			p.Parse(benchUAs[i%len(benchUAs)])
			i++
		}
	})
	b.Run("cache=parallel", func(b *testing.B) {
		p := NewUAParser(10_000)
		for _, ua := range benchUAs {
			p.Parse(ua)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				p.Parse(benchUAs[i%len(benchUAs)])
				i++
			}
		})
	})
}

func BenchmarkSource(b *testing.B) {
	cases := []struct {
		name, referrer string
		page           Page
	}{
		{"known", "https://www.google.com/search?q=x", Page{Hostname: "example.com"}},
		{"unknown", "https://blog.example.org/post/1", Page{Hostname: "example.com"}},
		{"utm", "", Page{Hostname: "example.com", Ref: "newsletter", UTM: UTM{Source: "newsletter", Medium: "email"}}},
		{"direct", "", Page{Hostname: "example.com"}},
	}
	for _, c := range cases {
		b.Run("referrer="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Source(c.referrer, c.page)
			}
		})
	}
}

func BenchmarkParsePage(b *testing.B) {
	for _, url := range []string{
		"https://example.com/blog/post-1",
		"https://www.example.com/blog/caf%C3%A9/?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
	} {
		b.Run(fmt.Sprintf("len=%d", len(url)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParsePage(url, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDomains(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Domains("example.com,www.example.org")
	}
}

package enrich

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Real user agents as browsers, crawlers and tools send them.
const (
	uaChromeWindows   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaFirefoxWindows7 = "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0"
	uaEdgeWindows     = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80"
	uaOperaWindows    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0"
	uaSafariMac       = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"
	uaFirefoxMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaChromeMac       = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaEdgeMac         = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
	uaFirefoxLinux    = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaFirefoxUbuntu   = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaChromeLinux     = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaChromeOS        = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaSafariIPhone    = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
	uaChromeIPhone    = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1"
	uaFirefoxIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15"
	uaSafariIPad      = "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	uaChromeAndroid   = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
	uaChromeAndroidTb = "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaFirefoxAndroid  = "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"
	uaSamsung         = "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"
	uaIE11            = "Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko"
	uaElectron        = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Electron/30.0.0 Safari/537.36"
	uaGooglebot       = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaGooglebotMobile = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.60 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaBingbot         = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"
	uaHeadless        = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36"
	uaPhantomJS       = "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1"
)

func TestParseUA(t *testing.T) {
	p := NewUAParser(1000)
	tests := []struct {
		name, ua string
		want     UA
	}{
		{"chrome windows", uaChromeWindows, UA{Browser: "Chrome", BrowserVersion: "124", OS: "Windows", OSVersion: "10", Device: "desktop"}},
		{"firefox windows 7", uaFirefoxWindows7, UA{Browser: "Firefox", BrowserVersion: "115", OS: "Windows", OSVersion: "7", Device: "desktop"}},
		{"edge windows", uaEdgeWindows, UA{Browser: "Microsoft Edge", BrowserVersion: "124", OS: "Windows", OSVersion: "10", Device: "desktop"}},
		{"opera windows", uaOperaWindows, UA{Browser: "Opera", BrowserVersion: "109", OS: "Windows", OSVersion: "10", Device: "desktop"}},
		{"ie11", uaIE11, UA{Browser: "Internet Explorer", BrowserVersion: "11", OS: "Windows", OSVersion: "8.1", Device: "desktop"}},
		{"safari mac", uaSafariMac, UA{Browser: "Safari", BrowserVersion: "17", OS: "macOS", OSVersion: "10.15", Device: "desktop"}},
		{"firefox mac 14", uaFirefoxMac, UA{Browser: "Firefox", BrowserVersion: "125", OS: "macOS", OSVersion: "14", Device: "desktop"}},
		{"chrome mac", uaChromeMac, UA{Browser: "Chrome", BrowserVersion: "124", OS: "macOS", OSVersion: "10.15", Device: "desktop"}},
		{"edge mac", uaEdgeMac, UA{Browser: "Microsoft Edge", BrowserVersion: "124", OS: "macOS", OSVersion: "10.15", Device: "desktop"}},
		{"firefox linux", uaFirefoxLinux, UA{Browser: "Firefox", BrowserVersion: "125", OS: "Linux", Device: "desktop"}},
		{"firefox ubuntu", uaFirefoxUbuntu, UA{Browser: "Firefox", BrowserVersion: "125", OS: "Linux", Device: "desktop"}},
		{"chrome linux", uaChromeLinux, UA{Browser: "Chrome", BrowserVersion: "124", OS: "Linux", Device: "desktop"}},
		{"chrome os", uaChromeOS, UA{Browser: "Chrome", BrowserVersion: "124", OS: "Chrome OS", Device: "desktop"}},
		{"safari iphone", uaSafariIPhone, UA{Browser: "Safari", BrowserVersion: "17", OS: "iOS", OSVersion: "17", Device: "mobile"}},
		{"chrome iphone", uaChromeIPhone, UA{Browser: "Chrome", BrowserVersion: "124", OS: "iOS", OSVersion: "17", Device: "mobile"}},
		{"firefox iphone", uaFirefoxIPhone, UA{Browser: "Firefox", BrowserVersion: "125", OS: "iOS", OSVersion: "17", Device: "mobile"}},
		{"safari ipad", uaSafariIPad, UA{Browser: "Safari", BrowserVersion: "17", OS: "iOS", OSVersion: "17", Device: "tablet"}},
		{"chrome android", uaChromeAndroid, UA{Browser: "Chrome", BrowserVersion: "124", OS: "Android", OSVersion: "10", Device: "mobile"}},
		{"chrome android tablet", uaChromeAndroidTb, UA{Browser: "Chrome", BrowserVersion: "124", OS: "Android", OSVersion: "13", Device: "tablet"}},
		{"firefox android", uaFirefoxAndroid, UA{Browser: "Firefox", BrowserVersion: "125", OS: "Android", OSVersion: "14", Device: "mobile"}},
		{"samsung internet", uaSamsung, UA{Browser: "Samsung Internet", BrowserVersion: "24", OS: "Android", OSVersion: "14", Device: "mobile"}},
		{"electron app", uaElectron, UA{Browser: "Chrome", BrowserVersion: "124", OS: "Windows", OSVersion: "10", Device: "desktop"}},

		{"googlebot", uaGooglebot, UA{Bot: true, BotReason: BotCrawler}},
		{"googlebot smartphone", uaGooglebotMobile, UA{Browser: "Chrome", BrowserVersion: "124", OS: "Android", OSVersion: "6", Device: "mobile", Bot: true, BotReason: BotCrawler}},
		{"bingbot", uaBingbot, UA{Browser: "Chrome", BrowserVersion: "116", Bot: true, BotReason: BotCrawler}},
		{"headless chrome", uaHeadless, UA{Browser: "Chrome", BrowserVersion: "124", OS: "Linux", Device: "desktop", Bot: true, BotReason: BotHeadless}},
		{"phantomjs", uaPhantomJS, UA{Browser: "Safari", OS: "Linux", Device: "desktop", Bot: true, BotReason: BotHeadless}},
		{"empty", "", UA{Bot: true, BotReason: BotEmptyUA}},
		{"blank", "   ", UA{Bot: true, BotReason: BotEmptyUA}},
		{"curl", "curl/8.5.0", UA{Bot: true, BotReason: BotTool}},
		{"python-requests", "python-requests/2.31.0", UA{Bot: true, BotReason: BotTool}},
		{"go", "Go-http-client/1.1", UA{Bot: true, BotReason: BotTool}},
		{"okhttp", "okhttp/4.12.0", UA{Bot: true, BotReason: BotTool}},
		{"java", "Java/17.0.2", UA{Bot: true, BotReason: BotTool}},
		{"wget", "Wget/1.21.4", UA{Bot: true, BotReason: BotTool}},
		{"libwww-perl", "libwww-perl/6.72", UA{Bot: true, BotReason: BotTool}},
		{"apache httpclient", "Apache-HttpClient/4.5.14 (Java/17.0.2)", UA{Bot: true, BotReason: BotTool}},
		{"node-fetch", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", UA{Bot: true, BotReason: BotTool}},
		{"deno", "Deno/1.42.0", UA{Bot: true, BotReason: BotTool}},
		{"bun", "Bun/1.1.0", UA{Bot: true, BotReason: BotTool}},
		{"powershell", "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3803", UA{OS: "Windows", OSVersion: "10", Device: "desktop", Bot: true, BotReason: BotTool}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Parse(tt.ua)
			// Device and OS of bots are whatever the parser guessed and
			// are not part of the contract; only check them for people.
			if tt.want.Bot {
				got.Browser, got.BrowserVersion, got.OS, got.OSVersion, got.Device = tt.want.Browser, tt.want.BrowserVersion, tt.want.OS, tt.want.OSVersion, tt.want.Device
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.ua, diff)
			}
			// A cached answer must equal a fresh one.
			if again := p.Parse(tt.ua); again != p.Parse(tt.ua) {
				t.Errorf("Parse(%q) cached = %+v, uncached differs", tt.ua, again)
			}
		})
	}
}

func TestParseUABotReasonsFixed(t *testing.T) {
	p := NewUAParser(0)
	for _, ua := range []string{"", uaGooglebot, uaHeadless, "curl/8", uaChromeWindows} {
		got := p.Parse(ua)
		if got.Bot != (got.BotReason != "") {
			t.Errorf("Parse(%q) = Bot %v with reason %q", ua, got.Bot, got.BotReason)
		}
		if got.Bot && !slices.Contains(BotReasons(), got.BotReason) {
			t.Errorf("Parse(%q).BotReason = %q, not in BotReasons()", ua, got.BotReason)
		}
	}
}

func TestParseUALong(t *testing.T) {
	p := NewUAParser(10)
	ua := uaChromeWindows + strings.Repeat(" x", 100_000)
	got := p.Parse(ua)
	if got.Browser != "Chrome" || got.OS != "Windows" {
		t.Errorf("Parse(long Chrome UA) = %+v, want Chrome on Windows", got)
	}
}

func TestUACacheBounded(t *testing.T) {
	const size = 64
	p := NewUAParser(size)
	for i := range 10 * size {
		p.Parse(fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64; rv:%d.0) Gecko/20100101 Firefox/%d.0", i, i))
	}
	n := 0
	for i := range p.cache.shards {
		s := &p.cache.shards[i]
		n += len(s.cur) + len(s.old)
	}
	if n > size+2*uaShards {
		t.Errorf("cache holds %d entries after many distinct UAs, want at most about %d", n, size)
	}
}

func TestParseUAConcurrent(t *testing.T) {
	p := NewUAParser(128)
	uas := []string{uaChromeWindows, uaSafariIPhone, uaGooglebot, "curl/8", uaSamsung}
	want := make([]UA, len(uas))
	for i, ua := range uas {
		want[i] = NewUAParser(0).Parse(ua)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				j := (g + i) % len(uas)
				if got := p.Parse(uas[j]); got != want[j] {
					t.Errorf("Parse(%q) = %+v, want %+v", uas[j], got, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
}

package enrich

import (
	"slices"
	"strings"
	"testing"
)

func FuzzParsePage(f *testing.F) {
	f.Add("https://www.example.com/a//b/?utm_source=x&ref=y#frag", false)
	f.Add("http://bücher.example/%E2%82%AC/", true)
	f.Add("https://example.com/#/route?x=1", true)
	f.Fuzz(func(t *testing.T, raw string, hashMode bool) {
		p, err := ParsePage(raw, hashMode)
		if err != nil {
			if p != (Page{}) {
				t.Errorf("ParsePage(%q) = %+v with error %v, want zero Page", raw, p, err)
			}
			return
		}
		if p.Hostname == "" || p.Hostname != strings.ToLower(p.Hostname) || strings.HasPrefix(p.Hostname, "www.") {
			t.Errorf("ParsePage(%q).Hostname = %q, want non-empty, lower case, without www.", raw, p.Hostname)
		}
		checkClean(t, "Hostname", p.Hostname, maxHost)
		checkClean(t, "Pathname", p.Pathname, maxPath)
		checkClean(t, "Hash", p.Hash, maxPath)
		checkClean(t, "Ref", p.Ref, maxUTM)
		for _, v := range []string{p.UTM.Source, p.UTM.Medium, p.UTM.Campaign, p.UTM.Content, p.UTM.Term} {
			checkClean(t, "UTM tag", v, maxUTM)
		}
		path := p.Pathname
		if hashMode {
			path, _, _ = strings.Cut(path, "#")
		}
		if !strings.HasPrefix(path, "/") || strings.Contains(path, "//") || (len(path) > 1 && strings.HasSuffix(path, "/")) {
			t.Errorf("ParsePage(%q).Pathname = %q, want one leading slash, no empty segments", raw, p.Pathname)
		}
		// What we store parses back to itself (when it can be written in a
		// URL as it is: no escapes, separators or spaces the parser trims).
		if !hashMode && !strings.ContainsAny(p.Pathname, "%?#") && strings.TrimSpace(p.Pathname) == p.Pathname &&
			!strings.Contains(p.Hostname, ":") && len(p.Pathname) < maxPath {
			again, err := ParsePage("https://"+p.Hostname+p.Pathname, false)
			if err != nil || again.Hostname != p.Hostname || again.Pathname != p.Pathname {
				t.Errorf("ParsePage(%q) = %q%q, which parses again as %q%q, %v", raw, p.Hostname, p.Pathname, again.Hostname, again.Pathname, err)
			}
		}
	})
}

func FuzzSource(f *testing.F) {
	f.Add("https://www.google.co.uk/search?q=x", "example.com", "", "", "")
	f.Add("android-app://com.google.android.gm", "example.com", "fb", "cpc", "shop")
	f.Add("news.ycombinator.com/item?id=1", "news.ycombinator.com", "", "email", "")
	f.Fuzz(func(t *testing.T, referrer, host, ref, medium, campaign string) {
		page := Page{Hostname: host, Pathname: "/", Ref: ref, UTM: UTM{Source: ref, Medium: medium, Campaign: campaign}}
		r := Source(referrer, page)
		if !slices.Contains(Channels(), r.Channel) {
			t.Errorf("Source(%q, %+v).Channel = %q, not in Channels()", referrer, page, r.Channel)
		}
		checkClean(t, "URL", r.URL, maxReferrer+len("android-app://"))
		checkClean(t, "Source", r.Source, maxReferrer)
		if r.Source == "" && strings.TrimSpace(ref) == "" && medium == "" && r.Channel != ChannelDirect {
			t.Errorf("Source(%q, %+v) = %+v: no source and no tags, want Direct", referrer, page, r)
		}
	})
}

func FuzzParseUA(f *testing.F) {
	f.Add(uaChromeWindows)
	f.Add(uaGooglebot)
	f.Add("curl/8.5.0")
	cached, fresh := NewUAParser(64), NewUAParser(0)
	devices := []string{"", DeviceDesktop, DeviceMobile, DeviceTablet}
	f.Fuzz(func(t *testing.T, ua string) {
		got := cached.Parse(ua)
		if again := cached.Parse(ua); again != got {
			t.Errorf("Parse(%q) = %+v, then %+v from the cache", ua, got, again)
		}
		if want := fresh.Parse(ua); want != got {
			t.Errorf("Parse(%q) = %+v cached, %+v uncached", ua, got, want)
		}
		if got.Bot != (got.BotReason != "") || (got.Bot && !slices.Contains(BotReasons(), got.BotReason)) {
			t.Errorf("Parse(%q) = Bot %v, BotReason %q", ua, got.Bot, got.BotReason)
		}
		if !slices.Contains(devices, got.Device) {
			t.Errorf("Parse(%q).Device = %q", ua, got.Device)
		}
		for _, s := range []string{got.Browser, got.BrowserVersion, got.OS, got.OSVersion} {
			checkClean(t, "UA field", s, 64)
		}
	})
}

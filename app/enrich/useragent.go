package enrich

import (
	"strconv"
	"strings"

	"github.com/medama-io/go-useragent"
)

// maxUA bounds the part of a user agent that is parsed. Real browsers send
// well under 512 bytes; without a bound a client could make every cache
// miss arbitrarily expensive for the crawler regexp.
const maxUA = 1024

// Device classes.
const (
	DeviceDesktop = "desktop"
	DeviceMobile  = "mobile"
	DeviceTablet  = "tablet"
)

// UA is what a user agent tells about the visitor's software.
type UA struct {
	// Browser is a display name ("Chrome", "Microsoft Edge", "Samsung
	// Internet"); BrowserVersion its major version. Empty when unknown.
	Browser, BrowserVersion string
	// OS is a display name ("Windows", "macOS", "iOS", "Chrome OS");
	// OSVersion its version as people name it: "10" for Windows 10 and 11
	// alike (their user agents are identical), "10.15" for macOS 10.x,
	// the major version elsewhere. Empty when unknown.
	OS, OSVersion string
	// Device is DeviceDesktop, DeviceMobile, DeviceTablet or "".
	Device string
	// Bot is set when the user agent is not a person's browser; BotReason
	// then says why and is one of BotReasons.
	Bot       bool
	BotReason string
}

// UAParser parses user agents, caching results by user agent string
// because bot detection costs tens of microseconds. It is safe for
// concurrent use.
type UAParser struct {
	p     *useragent.Parser
	ready chan struct{} // closed once p is built
	cache *uaCache
}

// NewUAParser returns a parser that caches about cacheSize results
// (memory is fixed per entry whatever the user agent's length); zero or
// less disables the cache. Building the underlying parser takes tens of
// milliseconds, so it happens in the background: start-up does not wait,
// and only a Parse arriving before it is done does.
func NewUAParser(cacheSize int) *UAParser {
	p := &UAParser{ready: make(chan struct{})}
	go func() {
		p.p = useragent.NewParser()
		close(p.ready)
	}()
	if cacheSize > 0 {
		p.cache = newUACache(cacheSize)
	}
	return p
}

// Parse parses a User-Agent header. It never fails: what cannot be
// recognised is left empty. An empty user agent is a bot (BotEmptyUA).
func (p *UAParser) Parse(ua string) UA {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return UA{Bot: true, BotReason: BotEmptyUA}
	}
	if len(ua) > maxUA {
		ua = ua[:maxUA]
	}
	if p.cache == nil {
		return p.parse(ua)
	}
	k := p.cache.key(ua)
	if v, ok := p.cache.get(k); ok {
		return v
	}
	v := p.parse(ua)
	p.cache.put(k, v)
	return v
}

func (p *UAParser) parse(ua string) UA {
	<-p.ready
	a := p.p.Parse(ua)
	out := UA{
		Browser:        browserName(a.GetBrowser()),
		BrowserVersion: majorVersion(a.GetVersion()),
		OS:             osName(a.GetOS()),
	}
	out.OSVersion = osVersion(out.OS, ua)
	out.Device = device(a, out.OS, ua)
	switch out.Browser {
	case "":
		out.BrowserVersion = ""
	case "Internet Explorer":
		// IE 11 dropped "MSIE"; the parser then reads Trident's version.
		if i := strings.Index(ua, "rv:"); i >= 0 {
			out.BrowserVersion = number(ua[i+len("rv:"):])
		}
	}
	if r := botReason(ua); r != "" {
		out.Bot, out.BotReason = true, r
	}
	return out
}

// browserName maps the parser's names to the ones Plausible shows, so that
// dashboards and API answers look alike.
func browserName(b string) string {
	switch b {
	case "Edge":
		return "Microsoft Edge"
	case "Samsung Browser":
		return "Samsung Internet"
	case "IE":
		return "Internet Explorer"
	case "Mini":
		return "Opera Mini"
	}
	return b
}

func osName(os string) string {
	switch os {
	case "MacOS":
		return "macOS"
	case "ChromeOS":
		return "Chrome OS"
	}
	return os
}

// device trusts the parser except where it is known to guess wrong:
// Android tablets do not say "Mobile", and a user agent the parser took for
// a bot still has a device class when it is a person's after all.
func device(a useragent.UserAgent, os, ua string) string {
	switch {
	case a.IsTablet():
		return DeviceTablet
	case os == "Android":
		if strings.Contains(ua, "Mobile") {
			return DeviceMobile
		}
		return DeviceTablet
	case a.IsMobile():
		return DeviceMobile
	case a.IsDesktop(), a.IsTV():
		// Plausible sizes devices by screen width, where TVs are desktops.
		return DeviceDesktop
	}
	switch os {
	case "iOS":
		if strings.Contains(ua, "iPad") {
			return DeviceTablet
		}
		return DeviceMobile
	case "Windows", "macOS", "Linux", "Chrome OS", "OpenBSD":
		return DeviceDesktop
	}
	return ""
}

// smallNumbers are the decimal strings of small version numbers, shared so
// that cached results do not each hold a copy or pin the user agent.
var smallNumbers = func() [512]string {
	var a [512]string
	for i := range a {
		a[i] = strconv.Itoa(i)
	}
	return a
}()

// number returns the leading decimal number of s as a string, or "".
func number(s string) string {
	n, i := 0, 0
	for ; i < len(s) && i < 6 && '0' <= s[i] && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if i == 0 {
		return ""
	}
	if n < len(smallNumbers) {
		return smallNumbers[n]
	}
	return strconv.Itoa(n)
}

func majorVersion(v string) string { return number(v) }

// osVersion reads the OS version from the user agent, which the parser
// does not report.
func osVersion(os, ua string) string {
	switch os {
	case "Windows":
		i := strings.Index(ua, "Windows NT ")
		if i < 0 {
			return ""
		}
		v := ua[i+len("Windows NT "):]
		switch {
		case strings.HasPrefix(v, "10."):
			return "10"
		case strings.HasPrefix(v, "6.3"):
			return "8.1"
		case strings.HasPrefix(v, "6.2"):
			return "8"
		case strings.HasPrefix(v, "6.1"):
			return "7"
		case strings.HasPrefix(v, "6.0"):
			return "Vista"
		case strings.HasPrefix(v, "5.1"), strings.HasPrefix(v, "5.2"):
			return "XP"
		}
		return ""
	case "macOS":
		i := strings.Index(ua, "Mac OS X ")
		if i < 0 {
			return ""
		}
		v := ua[i+len("Mac OS X "):]
		major := number(v)
		if major != "10" {
			return major
		}
		// Before macOS 11 the minor number was the release (10.15
		// Catalina), so keep it.
		if len(v) > 3 && (v[2] == '_' || v[2] == '.') {
			if minor := number(v[3:]); minor != "" {
				return "10." + minor
			}
		}
		return major
	case "iOS":
		for _, marker := range []string{"iPhone OS ", "CPU OS "} {
			if i := strings.Index(ua, marker); i >= 0 {
				return number(ua[i+len(marker):])
			}
		}
		return ""
	case "Android":
		if i := strings.Index(ua, "Android "); i >= 0 {
			return number(ua[i+len("Android "):])
		}
		return ""
	}
	return ""
}

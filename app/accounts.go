package app

import (
	"net/netip"
	"strings"
)

// describeDevice names a browser for the sessions list: "Firefox 140 on
// Linux", or the User-Agent itself when the parser knows neither browser
// nor system.
func (a *App) describeDevice(ua string) string {
	if a.UA == nil {
		return ua
	}
	p := a.UA.Parse(ua)
	browser := strings.TrimSpace(p.Browser + " " + p.BrowserVersion)
	system := strings.TrimSpace(p.OS + " " + p.OSVersion)
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	return ua
}

// locate is where ip is, approximately, for the sessions list: "City,
// CC", "CC", or "" for private and unknown addresses.
func (a *App) locate(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || a.geo == nil {
		return ""
	}
	loc := a.geo.Lookup(addr)
	if loc.City != "" && loc.Country != "" {
		return loc.City + ", " + loc.Country
	}
	return loc.Country
}

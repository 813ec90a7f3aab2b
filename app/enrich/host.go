package enrich

import (
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
)

// maxHost is the longest host name DNS allows; longer ones are not hosts.
const maxHost = 253

// maxDomains bounds the work one data-domain attribute can ask for.
const maxDomains = 16

// idnaProfile maps Unicode host names to the ASCII (punycode) form that
// browsers report in location.href, so a site configured as "bücher.de" and
// a page on "xn--bcher-kva.de" are the same site.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// normalizeHost turns the authority part of a URL (or a bare host) into the
// form we store: lower case, ASCII, without userinfo, port, trailing dot or
// a leading "www.". It reports false when what is left is not a plausible
// host name.
func normalizeHost(authority string) (string, bool) {
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	if strings.HasPrefix(authority, "[") {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return "", false
		}
		ip, err := netip.ParseAddr(authority[1:end])
		if err != nil || !ip.Is6() {
			return "", false
		}
		return ip.String(), true
	}
	if i := strings.IndexByte(authority, ':'); i >= 0 {
		authority = authority[:i]
	}
	host := strings.TrimSuffix(authority, ".")
	if host == "" || len(host) > maxHost {
		return "", false
	}
	switch hostChars(host) {
	case hostASCII:
		host = lower(host)
	case hostUnicode:
		h, err := idnaProfile.ToASCII(host)
		// The mapping can itself produce characters no host may have
		// (U+037A maps to a space), so the result is checked again.
		if err != nil || len(h) > maxHost || hostChars(h) != hostASCII {
			return "", false
		}
		host = lower(h)
	default:
		return "", false
	}
	if strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return "", false
	}
	host = strings.TrimPrefix(host, "www.")
	if host == "" {
		return "", false
	}
	return host, true
}

// Domains parses a client-supplied site domain (the tracker's data-domain),
// which may list several sites separated by commas, into normalised host
// names: lower case, punycode for international names, without scheme,
// "www.", port or path. Entries that are not host names are dropped, as are
// duplicates; at most 16 domains are returned, and nil when none is valid.
func Domains(raw string) []string {
	var out []string
	for len(raw) > 0 && len(out) < maxDomains {
		var part string
		part, raw, _ = strings.Cut(raw, ",")
		part = strings.TrimSpace(part)
		if i := strings.Index(part, "://"); i >= 0 {
			part = part[i+3:]
		}
		if i := strings.IndexAny(part, "/?#"); i >= 0 {
			part = part[:i]
		}
		host, ok := normalizeHost(part)
		if !ok {
			continue
		}
		dup := false
		for _, d := range out {
			if d == host {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, host)
		}
	}
	return out
}

const (
	hostInvalid = iota
	hostASCII
	hostUnicode
)

// hostChars classifies the characters of a host name: ASCII letters,
// digits, '-', '.' and '_' only; also non-ASCII (left for IDNA to judge);
// or anything else, which no host name has.
func hostChars(host string) int {
	if host == "" {
		return hostInvalid
	}
	kind := hostASCII
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case c >= 0x80:
			kind = hostUnicode
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_':
		default:
			return hostInvalid
		}
	}
	return kind
}

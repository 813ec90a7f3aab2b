package report

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode"

	"github.com/getsentry/sentry-go"
)

// Scrubbed replaces what scrub removes.
const Scrubbed = "[scrubbed]"

// sensitiveWords are the words of an attribute name (split at
// punctuation and camel case) whose value is never sent: addresses,
// credentials, personal details, bodies. Over-scrubbing costs a little
// context; under-scrubbing leaks a visitor's address.
var sensitiveWords = map[string]bool{
	"ip": true, "ips": true, "addr": true, "address": true, "remote": true, "forwarded": true, "xff": true,
	"cookie": true, "cookies": true, "session": true, "authorization": true, "auth": true, "bearer": true,
	"token": true, "password": true, "passwd": true, "secret": true, "key": true, "apikey": true, "dsn": true,
	"email": true, "username": true, "login": true, "phone": true,
	"body": true, "payload": true, "header": true, "headers": true, "useragent": true, "ua": true,
	"referer": true, "referrer": true, "query": true,
}

// scrub is the last look at every event before it leaves: it drops the
// request, the user and breadcrumbs, replaces sensitive attributes, and
// masks IP addresses in every remaining string.
func scrub(ev *sentry.Event) *sentry.Event {
	ev.Request = nil
	ev.User = sentry.User{}
	ev.Breadcrumbs = nil
	ev.Message = maskIPs(ev.Message)
	for i := range ev.Exception {
		ev.Exception[i].Type = maskIPs(ev.Exception[i].Type)
		ev.Exception[i].Value = maskIPs(ev.Exception[i].Value)
	}
	for k, v := range ev.Tags {
		if sensitive(k) {
			ev.Tags[k] = Scrubbed
		} else {
			ev.Tags[k] = maskIPs(v)
		}
	}
	for name, c := range ev.Contexts {
		ev.Contexts[name] = scrubMap(c)
	}
	return ev
}

func scrubMap(m map[string]any) map[string]any {
	for k, v := range m {
		if sensitive(k) {
			m[k] = Scrubbed
			continue
		}
		m[k] = scrubValue(v)
	}
	return m
}

func scrubValue(v any) any {
	switch v := v.(type) {
	case string:
		return maskIPs(v)
	case map[string]any:
		return scrubMap(v)
	case []any:
		for i := range v {
			v[i] = scrubValue(v[i])
		}
		return v
	case []string:
		for i := range v {
			v[i] = maskIPs(v[i])
		}
		return v
	}
	return v
}

// sensitive reports whether an attribute name has a sensitive word.
func sensitive(key string) bool {
	var words []string
	var cur strings.Builder
	prevLower := false
	for _, r := range key {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			words, prevLower = append(words, cur.String()), false
			cur.Reset()
			continue
		case unicode.IsUpper(r) && prevLower:
			words = append(words, cur.String())
			cur.Reset()
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		cur.WriteRune(unicode.ToLower(r))
	}
	words = append(words, cur.String())
	joined := strings.Join(words, "")
	if sensitiveWords[joined] {
		return true
	}
	for i, w := range words {
		// user_agent, api_key, x_forwarded_for: pairs count as one word.
		if sensitiveWords[w] || (i > 0 && sensitiveWords[words[i-1]+w]) {
			return true
		}
	}
	return false
}

var (
	ipv4 = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	// Runs that may be an IPv6 address; netip decides.
	ipv6Run = regexp.MustCompile(`[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?`)
)

// maskIPs replaces IPv4 and IPv6 addresses in s with "[ip]". Times like
// 16:05:03 and other colon runs that do not parse as addresses stay.
func maskIPs(s string) string {
	if !strings.ContainsAny(s, ".:") {
		return s
	}
	s = ipv4.ReplaceAllStringFunc(s, func(m string) string {
		if _, err := netip.ParseAddr(m); err == nil {
			return "[ip]"
		}
		return m
	})
	return ipv6Run.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Count(m, ":") < 2 {
			return m
		}
		if _, err := netip.ParseAddr(m); err == nil {
			return "[ip]"
		}
		// An address followed by a port, "2001:db8::1:443" style, cannot be
		// told apart; try without the last group.
		if i := strings.LastIndexByte(m, ':'); i > 0 {
			if _, err := netip.ParseAddr(m[:i]); err == nil && strings.Count(m[:i], ":") >= 2 {
				return "[ip]" + m[i:]
			}
		}
		return m
	})
}

package report

import (
	"net/netip"
	"strings"
	"testing"
)

func TestMaskIPs(t *testing.T) {
	for in, want := range map[string]string{
		"from 192.0.2.1":                      "from [ip]",
		"dial tcp 10.1.2.3:5432: refused":     "dial tcp [ip]:5432: refused",
		"peer [::1]:8000 and fe80::1%eth0":    "peer [[ip]]:8000 and [ip]",
		"2001:db8:0:0:1:0:0:1 said no":        "[ip] said no",
		"::ffff:198.51.100.2":                 "[ip]:[ip]", // over-masked: fine
		"at 16:05:03, version 1.26, id a:b:c": "at 16:05:03, version 1.26, id a:b:c",
		"no address here":                     "no address here",
	} {
		if got := maskIPs(in); got != want {
			t.Errorf("maskIPs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSensitive(t *testing.T) {
	for _, k := range []string{"ip", "client_ip", "remoteAddr", "RemoteAddr", "X-Forwarded-For", "cookie", "Authorization",
		"api_key", "apiKey", "user_agent", "req.userAgent", "body", "email", "session_id", "password"} {
		if !sensitive(k) {
			t.Errorf("%q not sensitive", k)
		}
	}
	for _, k := range []string{"err", "job", "component", "path", "batch", "duration", "site_id", "zip", "recipient", "skip"} {
		if sensitive(k) {
			t.Errorf("%q sensitive", k)
		}
	}
}

// FuzzMaskIPs: whatever the input, no IPv4 or IPv6 address survives as a
// whitespace- or bracket-separated word.
func FuzzMaskIPs(f *testing.F) {
	f.Add("from 192.0.2.1 and [2001:db8::1]:443")
	f.Fuzz(func(t *testing.T, s string) {
		out := maskIPs(s)
		for w := range strings.FieldsFuncSeq(out, func(r rune) bool { return strings.ContainsRune(" \t\n[]()<>\",;=/", r) }) {
			if a, err := netip.ParseAddr(w); err == nil {
				t.Fatalf("maskIPs(%q) = %q: %s (%v) survives", s, out, w, a)
			}
		}
	})
}

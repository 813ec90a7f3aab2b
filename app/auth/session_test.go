package auth

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestSessionToken(t *testing.T) {
	token, hash := NewSessionToken()
	got, ok := ParseSessionToken(token)
	if !ok || string(got) != string(hash) || len(token) != SessionTokenLen {
		t.Fatalf("ParseSessionToken(NewSessionToken()) = %x, %v", got, ok)
	}
	if other, _ := NewSessionToken(); other == token {
		t.Error("two session tokens are equal")
	}
	// A fixed token whose last character carries no spare bits; with the
	// last spare bit set ("B") it decodes to the same bytes leniently, and
	// must be refused.
	const fixed = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"
	if _, ok := ParseSessionToken(fixed); !ok {
		t.Errorf("ParseSessionToken(%q) = not ok", fixed)
	}
	for _, bad := range []string{"", token[:42], token + "A", strings.Repeat("=", 43), fixed[:42] + "B", fixed[:42] + "+", fixed[:42] + "/", " " + fixed[1:]} {
		if _, ok := ParseSessionToken(bad); ok {
			t.Errorf("ParseSessionToken(%q) = ok", bad)
		}
	}
}

func TestCSRFMatch(t *testing.T) {
	c := NewCSRFToken()
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{
		{c, c, true}, {c, "", false}, {"", "", false}, {c, c + " ", false}, {c, strings.ToUpper(c), c == strings.ToUpper(c)},
	} {
		if got := CSRFMatch(tc.want, tc.got); got != tc.ok {
			t.Errorf("CSRFMatch(%q, %q) = %v, want %v", tc.want, tc.got, got, tc.ok)
		}
	}
}

func TestSetupToken(t *testing.T) {
	a, b := SetupToken("first secret key of enough length!!"), SetupToken("second secret key of enough length!")
	if a == b || len(a) != 32 || SetupToken("first secret key of enough length!!") != a {
		t.Errorf("SetupToken: %q, %q: want 32 hex digits, one per key, stable", a, b)
	}
	if !SetupTokenMatch("first secret key of enough length!!", a) || SetupTokenMatch("first secret key of enough length!!", b) || SetupTokenMatch("k", "") {
		t.Error("SetupTokenMatch disagrees with SetupToken")
	}
}

func TestCheckNoPassword(t *testing.T) {
	if CheckNoPassword("footfall: no such account") {
		t.Error("CheckNoPassword reported a match")
	}
}

// FuzzParseSessionToken: a value ParseSessionToken accepts is the one
// canonical spelling of 32 bytes, and its hash is the stored form.
func FuzzParseSessionToken(f *testing.F) {
	f.Add("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA")
	f.Fuzz(func(t *testing.T, value string) {
		hash, ok := ParseSessionToken(value)
		if !ok {
			if hash != nil {
				t.Errorf("ParseSessionToken(%q) = %x, false; want no hash", value, hash)
			}
			return
		}
		b, err := base64.RawURLEncoding.DecodeString(value)
		if err != nil || len(b) != 32 || base64.RawURLEncoding.EncodeToString(b) != value {
			t.Errorf("ParseSessionToken(%q) accepted a value that is not 32 bytes canonically encoded", value)
		}
		if string(hash) != string(HashSessionToken(value)) {
			t.Errorf("ParseSessionToken(%q) hash differs from HashSessionToken", value)
		}
		if !CSRFMatch(value, value) || CSRFMatch(value, value+"x") || CSRFMatch("", "") {
			t.Errorf("CSRFMatch disagrees with equality on %q", value)
		}
	})
}

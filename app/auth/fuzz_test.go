package auth

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"
)

// FuzzLooksLikeAPIKey: a value LooksLikeAPIKey accepts is ff_ and 40
// base32 characters (200 bits), so the lookup it guards never sees
// anything else; every key NewAPIKey makes is accepted; the stored hash
// ignores surrounding spaces only.
func FuzzLooksLikeAPIKey(f *testing.F) {
	key, prefix, hash := NewAPIKey()
	if !LooksLikeAPIKey(key) || !strings.HasPrefix(key, prefix) || string(HashAPIKey(" "+key+"\n")) != string(hash) {
		f.Fatalf("NewAPIKey() = %q, %q: not accepted, or its hash depends on spaces", key, prefix)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !LooksLikeAPIKey(s) {
			return
		}
		body, ok := strings.CutPrefix(s, keyPrefix)
		if !ok || len(body) != 40 {
			t.Fatalf("LooksLikeAPIKey(%q) accepted a value of the wrong shape", s)
		}
		b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(body))
		if err != nil || len(b) != 25 {
			t.Fatalf("LooksLikeAPIKey(%q) accepted what is not 25 bytes of base32: %v", s, err)
		}
		if string(HashAPIKey(s)) == string(HashAPIKey(s+"x")) {
			t.Fatalf("HashAPIKey(%q) ignores a trailing character", s)
		}
	})
}

// FuzzCheckTOTP: whatever is typed, a code is accepted only when it is the
// code of the step before, of, or after now (spaces inside ignored), and
// the step reported is that one.
func FuzzCheckTOTP(f *testing.F) {
	secret := []byte("0123456789abcdefghij")
	now := time.Unix(1_800_000_000, 0)
	step := TOTPStep(now)
	f.Fuzz(func(t *testing.T, code string) {
		got, ok := CheckTOTP(secret, code, now)
		clean := strings.ReplaceAll(strings.TrimSpace(code), " ", "")
		want := int64(0)
		for s := step - 1; s <= step+1; s++ {
			if TOTPCode(secret, s) == clean {
				want = s
			}
		}
		if ok != (want != 0) || ok && got != want {
			t.Fatalf("CheckTOTP(%q) = %d, %v; want step %d", code, got, ok, want)
		}
	})
}

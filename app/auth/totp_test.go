package auth

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTOTPCode checks RFC 6238's SHA-1 test vectors (Appendix B), cut to
// six digits as authenticator apps show them.
func TestTOTPCode(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	} {
		if got := TOTPCode(secret, TOTPStep(time.Unix(tc.unix, 0))); got != tc.want {
			t.Errorf("TOTPCode at %d = %s, want %s", tc.unix, got, tc.want)
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	secret := NewTOTPSecret()
	now := time.Unix(1_700_000_000, 0)
	step := TOTPStep(now)
	for _, tc := range []struct {
		code string
		step int64
		ok   bool
	}{
		{TOTPCode(secret, step), step, true},
		{" " + TOTPCode(secret, step-1)[:3] + " " + TOTPCode(secret, step-1)[3:], step - 1, true},
		{TOTPCode(secret, step+1), step + 1, true},
		{TOTPCode(secret, step-2), 0, false},
		{TOTPCode(secret, step+2), 0, false},
		{"", 0, false},
		{"12345", 0, false},
		{TOTPCode(secret, step) + "0", 0, false},
	} {
		got, ok := CheckTOTP(secret, tc.code, now)
		if ok != tc.ok || got != tc.step {
			t.Errorf("CheckTOTP(%q) = %d, %v; want %d, %v", tc.code, got, ok, tc.step, tc.ok)
		}
	}
}

func TestSealTOTP(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef"
	secret := NewTOTPSecret()
	sealed := SealTOTP(key, 7, secret)
	if bytes.Contains(sealed, secret) {
		t.Fatal("SealTOTP left the secret readable")
	}
	got, err := OpenTOTP(key, 7, sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("OpenTOTP = %x, %v; want the secret", got, err)
	}
	for name, open := range map[string]func() ([]byte, error){
		"another user": func() ([]byte, error) { return OpenTOTP(key, 8, sealed) },
		"another key":  func() ([]byte, error) { return OpenTOTP(key+"x", 7, sealed) },
		"damaged": func() ([]byte, error) {
			return OpenTOTP(key, 7, append(bytes.Clone(sealed[:len(sealed)-1]), sealed[len(sealed)-1]^1))
		},
		"too short": func() ([]byte, error) { return OpenTOTP(key, 7, sealed[:5]) },
	} {
		if _, err := open(); !errors.Is(err, ErrSealed) {
			t.Errorf("OpenTOTP(%s) = %v, want ErrSealed", name, err)
		}
	}
}

func TestOTPAuthURL(t *testing.T) {
	secret := []byte("12345678901234567890")
	u, err := url.Parse(OTPAuthURL("Footfall stats.example.com", "ada@example.com", secret))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Footfall stats.example.com:ada@example.com" ||
		q.Get("secret") != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" || q.Get("issuer") != "Footfall stats.example.com" || q.Get("digits") != "6" {
		t.Errorf("OTPAuthURL = %s", u)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes()
	if len(codes) != RecoveryCodes || len(hashes) != RecoveryCodes {
		t.Fatalf("NewRecoveryCodes: %d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 11 || c[5] != '-' || seen[c] {
			t.Errorf("recovery code %q: want xxxxx-xxxxx, all different", c)
		}
		seen[c] = true
		for _, typed := range []string{c, strings.ToUpper(c), strings.ReplaceAll(c, "-", ""), " " + c[:5] + " " + c[6:] + " "} {
			if !bytes.Equal(HashRecoveryCode(typed), hashes[i]) {
				t.Errorf("HashRecoveryCode(%q) differs from the hash of %q", typed, c)
			}
		}
	}
}

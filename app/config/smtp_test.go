package config

import (
	"strings"
	"testing"
)

// TestValidateSMTPURL: Validate checks FOOTFALL_SMTP_URL whole, in words,
// and never repeats its password.
func TestValidateSMTPURL(t *testing.T) {
	tests := []struct {
		url  string
		want []string // substrings of the error; none = valid
	}{
		{"smtp://mail.example.com", nil},
		{"smtp://user:s3cret@mail.example.com:587", nil},
		{"smtps://user:s3cret@mail.example.com:465", nil},
		{"smtp://localhost:25?tls=none", nil},
		{"smtp://mail.example.com:2525?tls=opportunistic", nil},
		{"smtp://[::1]:2525", nil},
		{"smtp://mail.example.com/", nil},
		{"SMTP://mail.example.com", nil}, // schemes are case-insensitive
		{"http://mail.example.com", []string{"must start with smtp://"}},
		{"mail.example.com:587", []string{"must start with smtp://"}},
		{"smtp:mail.example.com", []string{"has no host"}},
		{"smtp://", []string{"has no host"}},
		{"smtp://user:s3cret@:587", []string{"has no host"}},
		{"smtp://mail.example.com:smtp", []string{"not a URL"}},
		{"smtp://mail.example.com:99999", []string{`port "99999" must be a number from 1 to 65535`}},
		{"smtp://mail.example.com:0", []string{`port "0"`}},
		{"smtp://mail.example.com:", []string{"port after"}},
		{"smtp://mail.example.com/relay", []string{"no path"}},
		{"smtp://mail.example.com#x", []string{"no #fragment"}},
		{"smtp://mail.example.com?tls=yes", []string{`tls="yes" must be required, opportunistic or none`}},
		{"smtp://mail.example.com?tls=none&tls=required", []string{"more than once"}},
		{"smtps://mail.example.com?tls=none", []string{"smtp:// only"}},
		{"smtp://mail.example.com?starttls=1&auth=plain", []string{`unknown parameter "auth"`, `unknown parameter "starttls"`}},
		{"smtp://mail.example.com/x?from=a", []string{"no path", `unknown parameter "from"`}},
		{"smtp://mail.example.com?tls=%zz", []string{"query string does not parse"}},
		{"smtp://user:s3cret%zz@mail.example.com", []string{"not a URL", "percent-encoded"}},
	}
	for _, tt := range tests {
		c, err := Load([]string{"FOOTFALL_SMTP_URL=" + tt.url})
		if err != nil {
			t.Fatalf("Load(%q) = %v", tt.url, err)
		}
		err = c.Validate()
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("Validate(FOOTFALL_SMTP_URL=%s) = %v, want nil", tt.url, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("Validate(FOOTFALL_SMTP_URL=%s) = nil, want %q", tt.url, tt.want)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Validate(FOOTFALL_SMTP_URL=%s) = %v, want it to say %q", tt.url, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Validate(FOOTFALL_SMTP_URL=%s) = %v: the password is in the message", tt.url, err)
		}
	}
}

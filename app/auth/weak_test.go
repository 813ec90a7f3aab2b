package auth

import (
	"errors"
	"strings"
	"testing"
)

// TestWeakPasswords: HashPassword refuses short, long and breach-list
// passwords, each with a sentence saying why, and takes passphrases.
func TestWeakPasswords(t *testing.T) {
	tests := []struct {
		password string
		want     string // substring of the refusal; "" = accepted
	}{
		{"correct horse battery", ""},
		{"long enough password", ""},
		{"Tr0ub4dor&3-horse", ""},
		{"zxcv-lamp-orbit-9", ""},
		{"9f86d081884c7d65", ""}, // random hex, as `footfall demo` makes
		{"short", "10 to 1024 characters"},
		{strings.Repeat("ab", 513), "10 to 1024 characters"},
		{"aaaaaaaaaaaa", "fewer than 4 different characters"},
		{"abababababab", "fewer than 4 different characters"},
		{"1234567890", "most common"},
		{"0987654321", "most common"},
		{"qwertyuiop", "most common"},
		{"QWERTYUIOPASDF", "most common"},
		{"abcdefghijk", "most common"},
		{"1q2w3e4r5t", "most common"},
		{"Password123!", "most common"},
		{"password1234", "most common"},
		{"!!iloveyou!!", "most common"},
		{"Footfall2026", "most common"},
		{"passwordpassword", "most common"},
		{"abcdabcdabcd", "most common"},
		{"letmein-2025", "most common"},
	}
	for _, tt := range tests {
		_, err := HashPassword(tt.password)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("HashPassword(%q) = %v, want it accepted", tt.password, err)
		case tt.want != "" && (err == nil || !errors.Is(err, ErrWeakPassword) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("HashPassword(%q) = %v, want a weak-password refusal saying %q", tt.password, err, tt.want)
		}
	}
}

// Package auth holds Footfall's credentials: API keys (random, shown once,
// stored as SHA-256), passwords (argon2id), sign-in session and CSRF
// tokens, and the first-run setup token. It knows nothing of HTTP.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// keyPrefix marks Footfall API keys so secret scanners and people can
// recognise a leaked one.
const keyPrefix = "ff_"

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewAPIKey returns a new random key, the short prefix shown in lists, and
// the hash to store. The key itself is never stored.
func NewAPIKey() (key, prefix string, hash []byte) {
	b := make([]byte, 25) // 200 bits
	rand.Read(b)
	key = keyPrefix + strings.ToLower(keyEncoding.EncodeToString(b))
	return key, key[:len(keyPrefix)+6], HashAPIKey(key)
}

// HashAPIKey returns the stored form of key. A fast hash is right here:
// keys carry 200 random bits, so there is nothing to brute-force.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(key)))
	return h[:]
}

// LooksLikeAPIKey reports whether s has the shape of a Footfall key, to
// answer malformed credentials without a database lookup.
func LooksLikeAPIKey(s string) bool {
	if !strings.HasPrefix(s, keyPrefix) || len(s) != len(keyPrefix)+40 {
		return false
	}
	_, err := keyEncoding.DecodeString(strings.ToUpper(s[len(keyPrefix):]))
	return err == nil
}

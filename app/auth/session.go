package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// Session tokens are 32 random bytes in unpadded base64url: 43 characters,
// cookie-safe without quoting.
const (
	sessionTokenBytes = 32
	SessionTokenLen   = 43
)

var tokenEncoding = base64.RawURLEncoding

// NewSessionToken returns a new random session token for the cookie and
// the hash to store; the token itself is never stored.
func NewSessionToken() (token string, hash []byte) {
	token = randomToken()
	return token, HashSessionToken(token)
}

// NewCSRFToken returns a random token for the session's state-changing
// requests to echo in a header.
func NewCSRFToken() string { return randomToken() }

func randomToken() string {
	b := make([]byte, sessionTokenBytes)
	rand.Read(b)
	return tokenEncoding.EncodeToString(b)
}

// HashSessionToken returns the stored form of a session token. As for API
// keys, a fast hash is right: 256 random bits leave nothing to guess.
func HashSessionToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ParseSessionToken checks that a cookie value has the shape of a session
// token and returns the hash to look up, so malformed cookies are refused
// without a database query. Only the canonical encoding is accepted: one
// token has one spelling.
func ParseSessionToken(value string) (hash []byte, ok bool) {
	if len(value) != SessionTokenLen {
		return nil, false
	}
	b, err := tokenEncoding.Strict().DecodeString(value)
	if err != nil || len(b) != sessionTokenBytes {
		return nil, false
	}
	return HashSessionToken(value), true
}

// CSRFMatch reports whether got, from a request header, equals the
// session's token, in time independent of where they differ. An empty
// want matches nothing.
func CSRFMatch(want, got string) bool {
	if want == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// SetupToken returns the token that the first-run setup requires from
// non-local requests. It is derived from the instance's secret key, so
// every replica sharing the key (and every restart) asks for the same one,
// and nobody without the key or the server's log can compute it.
func SetupToken(secretKey string) string {
	m := hmac.New(sha256.New, []byte(secretKey))
	m.Write([]byte("footfall first-run setup v1"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// SetupTokenMatch reports whether got is the setup token, in constant
// time.
func SetupTokenMatch(secretKey, got string) bool {
	want := SetupToken(secretKey)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Two-factor sign-in: time-based one-time passwords (RFC 6238) as every
// authenticator app computes them — HMAC-SHA1, 6 digits, 30-second steps —
// and single-use recovery codes.
const (
	totpPeriod      = 30
	totpDigits      = 6
	totpSecretBytes = 20 // 160 bits, RFC 4226's recommendation
	// RecoveryCodes is how many recovery codes enabling two-factor makes.
	RecoveryCodes = 10
)

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random TOTP secret.
func NewTOTPSecret() []byte {
	b := make([]byte, totpSecretBytes)
	rand.Read(b)
	return b
}

// TOTPSecretText is the secret as authenticator apps take it typed in:
// base32 without padding.
func TOTPSecretText(secret []byte) string { return base32NoPad.EncodeToString(secret) }

// OTPAuthURL is the otpauth:// URI an authenticator app reads from a QR
// code: issuer and account label the entry in the app.
func OTPAuthURL(issuer, account string, secret []byte) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{"secret": {TOTPSecretText(secret)}, "issuer": {issuer},
		"algorithm": {"SHA1"}, "digits": {strconv.Itoa(totpDigits)}, "period": {strconv.Itoa(totpPeriod)}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// TOTPStep is the time step containing t.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// TOTPCode is the code of secret for one time step (RFC 4226's HOTP with
// the step as counter).
func TOTPCode(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", n%1_000_000)
}

// CheckTOTP reports whether code is secret's code for the step of now or
// the one before or after (clocks drift, people type slowly), and which
// step matched; the caller records it so the code cannot be used again.
// Every candidate is compared, in constant time.
func CheckTOTP(secret []byte, code string, now time.Time) (step int64, ok bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits {
		return 0, false
	}
	cur := TOTPStep(now)
	for s := cur - 1; s <= cur+1; s++ {
		if subtle.ConstantTimeCompare([]byte(TOTPCode(secret, s)), []byte(code)) == 1 {
			step, ok = s, true
		}
	}
	return step, ok
}

// totpKey derives the key that seals TOTP secrets from the instance's
// secret key, so a copy of the database alone cannot compute codes.
func totpKey(secretKey string) []byte {
	m := hmac.New(sha256.New, []byte(secretKey))
	m.Write([]byte("footfall totp secret sealing v1"))
	return m.Sum(nil)
}

func totpAEAD(secretKey string) cipher.AEAD {
	block, err := aes.NewCipher(totpKey(secretKey))
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// SealTOTP encrypts a user's TOTP secret for storage (AES-256-GCM), bound
// to the user: a sealed secret copied to another user's row does not open.
func SealTOTP(secretKey string, userID int64, secret []byte) []byte {
	aead := totpAEAD(secretKey)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, secret, []byte(strconv.FormatInt(userID, 10)))
}

// ErrSealed is returned for a sealed secret that does not open: another
// secret key, another user, or a damaged value.
var ErrSealed = errors.New("auth: the TOTP secret does not open with this secret key")

// OpenTOTP decrypts what SealTOTP sealed for the same user.
func OpenTOTP(secretKey string, userID int64, sealed []byte) ([]byte, error) {
	aead := totpAEAD(secretKey)
	if len(sealed) < aead.NonceSize() {
		return nil, ErrSealed
	}
	secret, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(strconv.FormatInt(userID, 10)))
	if err != nil {
		return nil, ErrSealed
	}
	return secret, nil
}

// NewRecoveryCodes returns RecoveryCodes new codes to show the user once
// ("abcde-fghij": 50 random bits each) and their hashes to store.
func NewRecoveryCodes() (codes []string, hashes [][]byte) {
	for range RecoveryCodes {
		b := make([]byte, 8)
		rand.Read(b)
		s := strings.ToLower(base32NoPad.EncodeToString(b))[:10]
		code := s[:5] + "-" + s[5:]
		codes = append(codes, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return codes, hashes
}

// HashRecoveryCode is the stored form of a recovery code, as typed: case,
// spaces and dashes do not matter.
func HashRecoveryCode(code string) []byte {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte(code))
	return h[:]
}

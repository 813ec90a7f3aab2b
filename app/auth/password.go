package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes),
// which keeps a sign-in under ~50 ms on a small VPS.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	minPassword  = 10
	maxPassword  = 1024
)

// ErrWeakPassword is returned for passwords that are too short or too
// long; errors of HashPassword that refuse a common password match it
// too (errors.Is) and say why.
var ErrWeakPassword = fmt.Errorf("password must be %d to %d characters long", minPassword, maxPassword)

// HashPassword returns a PHC-format argon2id hash of password.
func HashPassword(password string) (string, error) {
	if n := utf8.RuneCountInString(password); n < minPassword || n > maxPassword {
		return "", ErrWeakPassword
	}
	if err := checkCommon(password); err != nil {
		return "", err
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// dummyHash is a hash no sign-in is ever checked against for real; see
// CheckNoPassword.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("footfall: no such account")
	if err != nil {
		panic(err) // the literal above satisfies the length rule
	}
	return h
})

// CheckNoPassword does the work of CheckPassword for a sign-in whose
// account does not exist (or has no password), so that the answer takes
// as long as a wrong password's and does not reveal which emails have
// accounts. It always reports false.
func CheckNoPassword(password string) bool {
	_, _ = CheckPassword(dummyHash(), password)
	return false
}

// CheckPassword reports whether password matches hash, in constant time.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("auth: unknown password hash format")
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, fmt.Errorf("auth: bad argon2 parameters: %w", err)
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("auth: bad salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("auth: bad key: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

package auth

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestAPIKey(t *testing.T) {
	key, prefix, hash := NewAPIKey()
	if !LooksLikeAPIKey(key) || !strings.HasPrefix(key, prefix) {
		t.Fatalf("NewAPIKey() = %q, %q", key, prefix)
	}
	if !bytes.Equal(HashAPIKey(key), hash) || !bytes.Equal(HashAPIKey(" "+key+"\n"), hash) {
		t.Error("HashAPIKey does not reproduce the stored hash")
	}
	other, _, _ := NewAPIKey()
	if other == key {
		t.Error("two keys are equal")
	}
	for _, bad := range []string{"", "ff_", "ff_short", "xx_" + key[3:], key + "a", "ff_" + strings.Repeat("!", 40)} {
		if LooksLikeAPIKey(bad) {
			t.Errorf("LooksLikeAPIKey(%q) = true", bad)
		}
	}
}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CheckPassword(h, "correct horse battery"); !ok || err != nil {
		t.Errorf("CheckPassword(right) = %v, %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "correct horse battery!"); ok {
		t.Error("CheckPassword(wrong) = true")
	}
	if _, err := HashPassword("short"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("HashPassword(short) = %v", err)
	}
	if _, err := CheckPassword("$bcrypt$x", "p"); err == nil {
		t.Error("CheckPassword accepted an unknown format")
	}
}

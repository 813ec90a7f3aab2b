// Package redistest gives tests a Redis of their own: the server named by
// FOOTFALL_TEST_REDIS_URL, with a key prefix unique to the test whose keys
// are deleted when the test ends, so tests share one server yet run in
// parallel unseen by each other.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// BaseURL returns FOOTFALL_TEST_REDIS_URL, skipping the test when it is
// unset, or failing it under CI=true, where every backend must be tested.
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("FOOTFALL_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FOOTFALL_TEST_REDIS_URL is not set, and CI=true requires the Redis tests to run")
		}
		t.Skip("FOOTFALL_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0): skipping the Redis tests")
	}
	return u
}

// URL returns FOOTFALL_TEST_REDIS_URL with ?prefix= set to a prefix of the
// test's own (see store/redis.Open); every key under it is deleted when the
// test ends.
func URL(t testing.TB) string {
	t.Helper()
	return withPrefix(t, Prefix(t))
}

// Prefix returns a key prefix of the test's own, whose keys are deleted
// when the test ends.
func Prefix(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	prefix := "footfall-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		opts, err := goredis.ParseURL(base)
		if err != nil {
			t.Errorf("FOOTFALL_TEST_REDIS_URL: %v", err)
			return
		}
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return prefix
}

// RawURL returns FOOTFALL_TEST_REDIS_URL with an empty key prefix, for
// tests that choose their keys themselves (with Prefix).
func RawURL(t testing.TB) string {
	t.Helper()
	return withPrefix(t, "")
}

func withPrefix(t testing.TB, prefix string) string {
	t.Helper()
	u, err := url.Parse(BaseURL(t))
	if err != nil {
		t.Fatalf("FOOTFALL_TEST_REDIS_URL is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("prefix", prefix)
	u.RawQuery = q.Encode()
	return u.String()
}

package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// testClient connects to FOOTFALL_TEST_REDIS_URL, skipping the test when
// it is unset, or failing it under CI=true, where every backend must be
// tested. The client is closed when the test ends.
func testClient(t testing.TB) *Client {
	t.Helper()
	url := os.Getenv("FOOTFALL_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FOOTFALL_TEST_REDIS_URL is not set, and CI=true requires the Redis tests to run")
		}
		t.Skip("FOOTFALL_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0): skipping the Redis tests")
	}
	c, err := Open(t.Context(), url, nil)
	if err != nil {
		t.Fatalf("Open(FOOTFALL_TEST_REDIS_URL): %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a key prefix of the test's own, whose keys are
// deleted when the test ends: tests share one Redis database yet run in
// parallel without seeing each other.
func testPrefix(t testing.TB, c *Client) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	prefix := "footfall-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			c.rdb.Del(ctx, keys...)
		}
	})
	return prefix
}

// rawClient is the underlying client, for tests that look behind the API.
func rawClient(c *Client) *goredis.Client { return c.rdb }

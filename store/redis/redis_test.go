package redis

import (
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/footfallhq/footfall/store/redis/redistest"
)

// testClient connects to FOOTFALL_TEST_REDIS_URL with an empty key
// prefix (tests choose theirs with testPrefix), skipping the test when it
// is unset, or failing it under CI=true. The client is closed when the
// test ends.
func testClient(t testing.TB) *Client {
	t.Helper()
	c, err := Open(t.Context(), redistest.RawURL(t), nil)
	if err != nil {
		t.Fatalf("Open(FOOTFALL_TEST_REDIS_URL): %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a key prefix of the test's own, whose keys are
// deleted when the test ends.
func testPrefix(t testing.TB, _ *Client) string {
	t.Helper()
	return redistest.Prefix(t)
}

// rawClient is the underlying client, for tests that look behind the API.
func rawClient(c *Client) *goredis.Client { return c.rdb }

// TestOpenPrefix: the URL's prefix parameter names every key, and is not
// passed on to go-redis (which would refuse it).
func TestOpenPrefix(t *testing.T) {
	c, err := Open(t.Context(), redistest.URL(t), nil)
	if err != nil {
		t.Fatalf("Open(URL with prefix): %v", err)
	}
	defer c.Close()
	if !strings.HasPrefix(c.Prefix(), "footfall-test:") {
		t.Errorf("Prefix() = %q, want the URL's", c.Prefix())
	}
	cache := c.Cache("cache:")
	if err := cache.Set(t.Context(), "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := c.rdb.Exists(t.Context(), c.Prefix()+"cache:k").Val(); n != 1 {
		t.Errorf("key %q exists = %d, want 1", c.Prefix()+"cache:k", n)
	}
	d, err := Open(t.Context(), redistest.BaseURL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Prefix() != DefaultPrefix {
		t.Errorf("Prefix() without a prefix parameter = %q, want %q", d.Prefix(), DefaultPrefix)
	}
}

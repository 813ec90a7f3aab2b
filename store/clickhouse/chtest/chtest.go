// Package chtest gives tests a ClickHouse database of their own: a fresh
// database on the server named by FOOTFALL_TEST_CLICKHOUSE_URL, dropped
// when the test ends, so tests share one server yet run in parallel unseen
// by each other.
package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// BaseURL returns FOOTFALL_TEST_CLICKHOUSE_URL, skipping the test when it
// is unset, or failing it under CI=true, where every backend must be
// tested (.ci/run starts a server and sets it).
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("FOOTFALL_TEST_CLICKHOUSE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FOOTFALL_TEST_CLICKHOUSE_URL is not set, and CI=true requires the ClickHouse tests to run (.ci/clickhouse-start starts a server)")
		}
		t.Skip("FOOTFALL_TEST_CLICKHOUSE_URL is not set (e.g. clickhouse://127.0.0.1:19000/footfall_test; .ci/clickhouse-start starts one): skipping the ClickHouse tests")
	}
	return u
}

// URL returns the URL of a database of the test's own, not yet created
// (the store creates it on Open), dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("FOOTFALL_TEST_CLICKHOUSE_URL is not a URL: %v", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	db := "test_" + hex.EncodeToString(b[:])
	u.Path = "/" + db
	t.Cleanup(func() {
		opts, err := ch.ParseDSN(base)
		if err != nil {
			t.Errorf("parse FOOTFALL_TEST_CLICKHOUSE_URL: %v", err)
			return
		}
		opts.Auth.Database = ""
		conn, err := ch.Open(opts)
		if err != nil {
			t.Errorf("drop database %s: %v", db, err)
			return
		}
		defer conn.Close()
		if err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db); err != nil {
			t.Errorf("drop database %s: %v", db, err)
		}
	})
	return u.String()
}

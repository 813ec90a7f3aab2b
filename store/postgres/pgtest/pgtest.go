// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database named by FOOTFALL_TEST_POSTGRES_URL, dropped when
// the test ends, so tests share one server yet run in parallel unseen by
// each other.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// BaseURL returns FOOTFALL_TEST_POSTGRES_URL, skipping the test when it is
// unset, or failing it under CI=true, where every backend must be tested.
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("FOOTFALL_TEST_POSTGRES_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FOOTFALL_TEST_POSTGRES_URL is not set, and CI=true requires the PostgreSQL tests to run")
		}
		t.Skip("FOOTFALL_TEST_POSTGRES_URL is not set (e.g. postgres://footfall:footfall@127.0.0.1:5432/footfall_test?sslmode=disable): skipping the PostgreSQL tests")
	}
	return u
}

// Schema creates a schema of the test's own, dropped when the test ends,
// and returns its name.
func Schema(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	ctx := context.Background()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "test_" + hex.EncodeToString(b[:])
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema %s in FOOTFALL_TEST_POSTGRES_URL: %v", schema, err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// URL returns a database URL whose connections work in a fresh schema
// (see Schema): what FOOTFALL_DATABASE_URL would hold.
func URL(t testing.TB) string {
	t.Helper()
	schema := Schema(t)
	u, err := url.Parse(BaseURL(t))
	if err != nil {
		t.Fatalf("FOOTFALL_TEST_POSTGRES_URL is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

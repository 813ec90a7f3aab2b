package duckdb_test

import (
	"path/filepath"
	"testing"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/duckdb"
	"github.com/footfallhq/footfall/store/storetest"
)

func TestEventsInMemory(t *testing.T) {
	t.Parallel()
	storetest.RunEvents(t, func(t testing.TB) (store.Events, func(testing.TB) store.Events) {
		return open(t, ""), nil
	})
}

func TestEventsFile(t *testing.T) {
	t.Parallel()
	storetest.RunEvents(t, func(t testing.TB) (store.Events, func(testing.TB) store.Events) {
		path := filepath.Join(t.TempDir(), "events.duckdb")
		return open(t, path), func(t testing.TB) store.Events { return open(t, path) }
	})
}

// open opens a store with settings that keep parallel tests on two cores
// from starving each other, and closes it at the end of the test.
func open(t testing.TB, path string) *duckdb.Store {
	t.Helper()
	s, err := duckdb.Open(t.Context(), path, duckdb.Options{Threads: 2, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

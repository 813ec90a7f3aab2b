package clickhouse_test

import (
	"testing"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/clickhouse"
	"github.com/footfallhq/footfall/store/clickhouse/chtest"
	"github.com/footfallhq/footfall/store/storetest"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	storetest.RunEvents(t, func(t testing.TB) (store.Events, func(testing.TB) store.Events) {
		u := chtest.URL(t)
		return open(t, u), func(t testing.TB) store.Events { return open(t, u) }
	})
}

// open opens the store at u and closes it at the end of the test.
func open(t testing.TB, u string) *clickhouse.Store {
	t.Helper()
	s, err := clickhouse.Open(t.Context(), u)
	if err != nil {
		t.Fatalf("Open(%q): %v", u, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

package wal

import (
	"testing"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

// TestQueueConformance runs the queue suite that Redis Streams pass too:
// both keep one store.Queue contract.
func TestQueueConformance(t *testing.T) {
	storetest.RunQueue(t, func(t testing.TB, capacity int) storetest.QueueOpener {
		dir := t.TempDir()
		return func() store.Queue {
			w, err := Open(dir, Options{MaxPending: capacity, MinFreeBytes: -1, Logger: testLogger(t)})
			if err != nil {
				t.Fatalf("Open(%s): %v", dir, err)
			}
			return w
		}
	})
}

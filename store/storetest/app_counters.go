package storetest

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/footfallhq/footfall/store"
)

func appTestReserveIDs(t *testing.T, a store.App) {
	ctx := context.Background()
	first, err := a.ReserveIDs(ctx, "sessions", 100)
	if err != nil || first != 1 {
		t.Fatalf("ReserveIDs(new counter, 100) = %d, %v; want 1, nil", first, err)
	}
	second, err := a.ReserveIDs(ctx, "sessions", 5)
	if err != nil || second != 101 {
		t.Fatalf("ReserveIDs(sessions, 5) = %d, %v; want 101, nil", second, err)
	}
	other, err := a.ReserveIDs(ctx, "other", 1)
	if err != nil || other != 1 {
		t.Errorf("ReserveIDs(other counter) = %d, %v; want 1: counters are independent", other, err)
	}
	if _, err := a.ReserveIDs(ctx, "sessions", 0); err == nil {
		t.Error("ReserveIDs(n=0) succeeded, want an error")
	}
}

func appTestReserveIDsConcurrent(t *testing.T, a store.App) {
	ctx := context.Background()
	const workers, per = 16, 10
	var (
		mu     sync.Mutex
		starts []int64
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				first, err := a.ReserveIDs(ctx, "blocks", 7)
				if err != nil {
					t.Errorf("ReserveIDs: %v", err)
					return
				}
				mu.Lock()
				starts = append(starts, first)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	for i, s := range starts {
		if want := int64(1 + 7*i); s != want {
			t.Fatalf("block %d starts at %d, want %d: blocks overlap or leave gaps", i, s, want)
		}
	}
}

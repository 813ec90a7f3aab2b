package wal

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkEnqueue measures acknowledged (fsynced) events per second with
// many concurrent callers, each enqueueing one event as the ingest handler
// does, while a consumer drains the queue as the batcher would. The disk
// under the benchmark is that of the temporary directory; set TMPDIR to
// measure another one.
func BenchmarkEnqueue(b *testing.B) {
	for _, par := range []int{1, 32, 128} {
		b.Run(fmt.Sprintf("parallel=%d", par), func(b *testing.B) {
			w, err := Open(b.TempDir(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			drained := make(chan struct{})
			go func() {
				defer close(drained)
				for {
					batch, err := w.Next(ctx, 5000)
					if err != nil {
						return
					}
					if err := w.Ack(ctx, batch); err != nil {
						b.Error(err)
						return
					}
				}
			}()
			evs := testEvents(0, 1)
			var (
				latMu sync.Mutex
				lats  []time.Duration
			)
			b.SetParallelism(max(1, par/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					if err := w.Enqueue(ctx, evs); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				latMu.Lock()
				lats = append(lats, mine...)
				latMu.Unlock()
			})
			elapsed := time.Since(start)
			st := w.Stats()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
			if st.Fsyncs > 0 {
				b.ReportMetric(float64(st.Events)/float64(st.Fsyncs), "events/fsync")
				b.ReportMetric(float64(st.FsyncTotal.Microseconds())/float64(st.Fsyncs), "µs/fsync")
			}
			slices.Sort(lats)
			if n := len(lats); n > 0 {
				b.ReportMetric(float64(lats[n/2].Microseconds())/1e3, "p50-ms")
				b.ReportMetric(float64(lats[n*99/100].Microseconds())/1e3, "p99-ms")
				b.ReportMetric(float64(lats[n-1].Microseconds())/1e3, "max-ms")
			}
			cancel()
			<-drained
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkReplay measures Open plus reading back 100,000 pending events.
func BenchmarkReplay(b *testing.B) {
	dir := b.TempDir()
	w, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if err := w.Enqueue(context.Background(), testEvents(i*100, 100)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		w, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(t0).Milliseconds()), "open-ms")
		n := 0
		for n < 100_000 {
			batch, err := w.Next(context.Background(), 10_000)
			if err != nil {
				b.Fatal(err)
			}
			n += len(batch.Events)
		}
		_ = w.Close()
	}
	_ = os.RemoveAll(dir)
}

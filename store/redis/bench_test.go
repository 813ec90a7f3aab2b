package redis

import (
	"context"
	"testing"
	"time"
)

// BenchmarkQueue measures the Redis round trips the ingest path pays:
// Enqueue of one event from 32 goroutines as the HTTP server would (calls
// waiting together share a script call), and the batcher's Next+Ack of
// 1,000.
func BenchmarkQueue(b *testing.B) {
	c := testClient(b)
	b.Run("op=enqueue/batch=1/c=32", func(b *testing.B) {
		q := openQueue(b, c, QueueOptions{Stream: testPrefix(b, c) + "events", MaxLen: 1 << 30})
		b.Cleanup(func() { _ = q.Close() })
		evs := eventsFrom(0, 1)
		b.ReportAllocs()
		b.SetParallelism(16) // 16 × GOMAXPROCS(2) = 32 callers
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := q.Enqueue(context.Background(), evs); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("op=next+ack/batch=1000", func(b *testing.B) {
		q := openQueue(b, c, QueueOptions{Stream: testPrefix(b, c) + "events", MaxLen: 1 << 30})
		b.Cleanup(func() { _ = q.Close() })
		evs := eventsFrom(0, 1000)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			if err := q.Enqueue(b.Context(), evs); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			ctx, cancel := context.WithTimeout(b.Context(), 10*time.Second)
			got := 0
			for got < len(evs) {
				batch, err := q.Next(ctx, 1000)
				if err != nil {
					b.Fatal(err)
				}
				if err := q.Ack(ctx, batch); err != nil {
					b.Fatal(err)
				}
				got += len(batch.Events)
			}
			cancel()
		}
	})
}

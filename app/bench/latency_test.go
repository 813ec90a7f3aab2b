package bench

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketsCoverEveryValue(t *testing.T) {
	for _, v := range []uint64{0, 1, 255, 256, 257, 511, 512, 1000, 15_000, 1 << 20, 123_456_789, 1 << 35} {
		i := bucketOf(v)
		low, width := bucketRange(i)
		if v < low || v >= low+width {
			t.Errorf("bucketOf(%d) = %d covering [%d, %d)", v, i, low, low+width)
		}
		if width > 1 && width*sub > v {
			t.Errorf("bucket of %d is %d wide, more than 1/%d of the value", v, width, sub)
		}
	}
	if i := bucketOf(1 << 60); i != numBuckets-1 {
		t.Errorf("bucketOf(2^60) = %d, want the last bucket %d", i, numBuckets-1)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	within := func(got, want time.Duration, rel float64) bool {
		d := float64(got - want)
		return d <= rel*float64(want) && -d <= rel*float64(want)
	}
	t.Run("uniform 1µs..100ms", func(t *testing.T) {
		var h histogram
		for us := 1; us <= 100_000; us++ {
			h.record(time.Duration(us) * time.Microsecond)
		}
		for _, c := range []struct {
			q    float64
			want time.Duration
		}{{0.5, 50 * time.Millisecond}, {0.9, 90 * time.Millisecond}, {0.99, 99 * time.Millisecond}} {
			if got := h.quantile(c.q); !within(got, c.want, 0.005) {
				t.Errorf("quantile(%v) = %v, want %v ± 0.5%%", c.q, got, c.want)
			}
		}
		if s := h.summary(); s.Max != 100*time.Millisecond || !within(s.Mean, 50*time.Millisecond, 0.001) {
			t.Errorf("summary() = %+v, want max exactly 100ms, mean 50ms", s)
		}
	})
	t.Run("bimodal", func(t *testing.T) {
		// 97 % fast at ≈1.2 ms, 3 % slow at ≈20 ms, shuffled: p50 and p90
		// must sit in the fast mode, p99 in the slow one.
		var h histogram
		rng := rand.New(rand.NewPCG(1, 2))
		for range 100_000 {
			d := 1200*time.Microsecond + time.Duration(rng.IntN(100))*time.Microsecond
			if rng.IntN(100) < 3 {
				d = 20*time.Millisecond + time.Duration(rng.IntN(1000))*time.Microsecond
			}
			h.record(d)
		}
		s := h.summary()
		if !within(s.P50, 1250*time.Microsecond, 0.05) || s.P90 > 1310*time.Microsecond ||
			s.P99 < 20*time.Millisecond || s.P99 > 21*time.Millisecond || s.Max > 21*time.Millisecond {
			t.Errorf("summary() = %+v, want p50≈1.25ms, p90 < 1.31ms, p99 in [20,21]ms", s)
		}
	})
	t.Run("merge", func(t *testing.T) {
		var a, b histogram
		a.record(time.Millisecond)
		b.record(3 * time.Millisecond)
		b.record(5 * time.Millisecond)
		a.merge(&b)
		if a.n != 3 || a.quantile(0.5) != 3*time.Millisecond || a.summary().Max != 5*time.Millisecond {
			t.Errorf("merged histogram: n %d p50 %v max %v", a.n, a.quantile(0.5), a.summary().Max)
		}
	})
	t.Run("empty", func(t *testing.T) {
		var h histogram
		if s := h.summary(); s != (Latency{}) {
			t.Errorf("empty summary() = %+v", s)
		}
	})
}

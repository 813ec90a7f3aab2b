package bench

import (
	"math"
	"math/bits"
	"time"
)

// histogram records latencies in microseconds in log-linear buckets, the
// HDR histogram idea: exact below 256 µs, and above that every power of two
// is split into 128 buckets, so a bucket is never wider than 0.8 % of the
// values in it (≈ 0.1 ms at 15 ms). Fixed size, no allocation per record,
// and one per worker so recording needs no lock.
type histogram struct {
	counts [numBuckets]uint64
	n      uint64
	sum    uint64 // µs
	max    uint64 // µs, exact
}

const (
	subBits = 7
	sub     = 1 << subBits
	// maxExp covers values up to 2^36 µs (19 hours); anything longer is
	// clamped into the last bucket.
	maxExp     = 29
	numBuckets = 2*sub + maxExp*sub
)

func bucketOf(us uint64) int {
	if us < 2*sub {
		return int(us)
	}
	e := bits.Len64(us) - (subBits + 1) // us>>e is in [sub, 2*sub)
	if e > maxExp {
		return numBuckets - 1
	}
	return 2*sub + (e-1)*sub + int(us>>e) - sub
}

// bucketRange returns the smallest value of bucket i and its width.
func bucketRange(i int) (low, width uint64) {
	if i < 2*sub {
		return uint64(i), 1
	}
	e := (i-2*sub)/sub + 1
	m := uint64((i-2*sub)%sub + sub)
	return m << e, 1 << e
}

func (h *histogram) record(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	h.counts[bucketOf(us)]++
	h.n++
	h.sum += us
	h.max = max(h.max, us)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the value below which a fraction q of the recordings
// fall (nearest rank), as the middle of its bucket, never above the exact
// maximum.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			low, width := bucketRange(i)
			v := min(low+width/2, h.max)
			return time.Duration(v) * time.Microsecond
		}
	}
	return time.Duration(h.max) * time.Microsecond
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum/h.n) * time.Microsecond
}

// Latency summarises the per-request latencies of a run: from sending the
// request to having read the whole response body.
type Latency struct {
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
	Mean time.Duration `json:"mean_ns"`
}

func (h *histogram) summary() Latency {
	return Latency{
		P50:  h.quantile(0.50),
		P90:  h.quantile(0.90),
		P99:  h.quantile(0.99),
		Max:  time.Duration(h.max) * time.Microsecond,
		Mean: h.mean(),
	}
}

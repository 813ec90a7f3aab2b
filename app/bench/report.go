package bench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DESIGN §8 ingest targets, checked by Compare.
const (
	TargetRatio = 0.75
	TargetP99   = 15 * time.Millisecond
)

// Report is the outcome of one Run. Durations are nanoseconds in JSON.
type Report struct {
	Label       string    `json:"label,omitempty"`
	URL         string    `json:"url"`
	Site        string    `json:"site"`
	Concurrency int       `json:"concurrency"`
	Seed        int64     `json:"seed"`
	Started     time.Time `json:"started"`
	// Elapsed runs from the first request to the last response, including
	// requests in flight when the duration ran out.
	Elapsed time.Duration `json:"elapsed_ns"`

	// Sent counts requests that got a response or failed in transport;
	// Sent = Accepted + rejected + TransportErrors.
	Sent     int64 `json:"sent"`
	Accepted int64 `json:"accepted"` // 2xx
	// Rejected counts every other status, by status code.
	Rejected        map[int]int64 `json:"rejected"`
	TransportErrors int64         `json:"transport_errors"`
	FirstError      string        `json:"first_error,omitempty"`

	AcceptedPerSec float64 `json:"accepted_per_sec"`
	// Latency covers every request that got a response, accepted or not.
	Latency Latency `json:"latency"`

	// Stored is nil when no API key was given (or for the no-op run).
	Stored *Stored `json:"stored,omitempty"`
	// Interrupted is set when the caller cancelled the run.
	Interrupted bool `json:"interrupted,omitempty"`
}

// RejectedTotal is the number of non-2xx responses.
func (r Report) RejectedTotal() int64 {
	var n int64
	for _, c := range r.Rejected {
		n += c
	}
	return n
}

// String is the human summary `footfall bench` prints.
func (r Report) String() string {
	var b strings.Builder
	name := r.Label
	if name == "" {
		name = "target"
	}
	fmt.Fprintf(&b, "%s  %s  site %s  c=%d  %.1fs", name, r.URL, r.Site, r.Concurrency, r.Elapsed.Seconds())
	if r.Interrupted {
		b.WriteString("  (interrupted)")
	}
	fmt.Fprintf(&b, "\n  requests   %s sent, %s accepted (%s), %s rejected, %s transport errors",
		group(r.Sent), group(r.Accepted), percent(r.Accepted, r.Sent), group(r.RejectedTotal()), group(r.TransportErrors))
	if len(r.Rejected) > 0 {
		codes := make([]int, 0, len(r.Rejected))
		for c := range r.Rejected {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		parts := make([]string, 0, len(codes))
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%d×%s", c, group(r.Rejected[c])))
		}
		fmt.Fprintf(&b, "\n  rejected   %s", strings.Join(parts, "  "))
	}
	if r.FirstError != "" {
		fmt.Fprintf(&b, "\n  first err  %s", r.FirstError)
	}
	fmt.Fprintf(&b, "\n  throughput %s accepted/s", group(int64(r.AcceptedPerSec+0.5)))
	l := r.Latency
	fmt.Fprintf(&b, "\n  latency    p50 %s  p90 %s  p99 %s  max %s  mean %s",
		ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), ms(l.Mean))
	if s := r.Stored; s != nil {
		verdict := "ok: every accepted event is stored"
		switch {
		case !s.OK && s.Error != "":
			verdict = "FAILED: " + s.Error
		case !s.OK && s.TimedOut:
			verdict = "FAILED: still growing at the timeout"
		case !s.OK:
			verdict = fmt.Sprintf("FAILED: %s accepted events missing", group(r.Accepted-s.Stored))
		}
		fmt.Fprintf(&b, "\n  stored     %s of %s accepted (count %s → %s, settled in %.1fs): %s",
			group(s.Stored), group(r.Accepted), group(s.Before), group(s.After), s.Wait.Seconds(), verdict)
	}
	return b.String()
}

// Ratio is footfall's accepted/s over the no-op server's, the figure the
// DESIGN §8 target (TargetRatio) is stated in. It is 0 if the no-op run
// accepted nothing.
func Ratio(footfall, noop Report) float64 {
	if noop.AcceptedPerSec <= 0 {
		return 0
	}
	return footfall.AcceptedPerSec / noop.AcceptedPerSec
}

// Compare summarises a Footfall run against a no-op run from the same
// session, with a verdict on each ingest target.
func Compare(footfall, noop Report) string {
	ratio := Ratio(footfall, noop)
	check := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "MISSED"
	}
	stored := "not checked (no API key)"
	if s := footfall.Stored; s != nil {
		stored = check(s.OK)
	}
	return fmt.Sprintf("footfall %s accepted/s vs no-op %s accepted/s = %.2f× (target ≥ %.2f×: %s)\n"+
		"footfall p99 %s (target ≤ %s: %s), no-op p99 %s\n"+
		"every 2xx stored: %s",
		group(int64(footfall.AcceptedPerSec+0.5)), group(int64(noop.AcceptedPerSec+0.5)),
		ratio, TargetRatio, check(ratio >= TargetRatio),
		ms(footfall.Latency.P99), ms(TargetP99), check(footfall.Latency.P99 <= TargetP99 && footfall.Accepted > 0),
		ms(noop.Latency.P99), stored)
}

// group formats n with thousands separators: 12,345.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func percent(part, whole int64) string {
	if whole == 0 {
		return "–"
	}
	return strconv.FormatFloat(100*float64(part)/float64(whole), 'f', 1, 64) + "%"
}

// ms prints a latency in milliseconds with enough digits to compare runs
// on loopback, where p50 is often well under a millisecond.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64) + "ms"
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	default:
		return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
	}
}

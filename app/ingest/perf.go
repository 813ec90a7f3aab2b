package ingest

import (
	"encoding/json"
	"math"
	"slices"

	"github.com/footfallhq/footfall/store"
)

// Perf holds real-user performance measurements of one page load, rounded
// to milliseconds (CLS is unitless, TransferBytes bytes); 0 = not measured,
// except for CLS, where HasCLS tells a measured 0 (the most common good
// value) from none.
type Perf struct {
	LCP, INP, FCP, TTFB                    uint32
	CLS                                    float32
	HasCLS                                 bool
	DNS, Connect, TLS, Response, DOM, Load uint32
	TransferBytes                          uint32
	// Zero flags timings measured as 0 (store.ZeroDNS, …): a reused
	// connection has no DNS, connect or TLS time, a cached page transfers
	// nothing.
	Zero uint8
}

// Bounds past which a measurement is absurd (a broken clock, a tab asleep
// for hours, a forged body) and is dropped: only that field, never the
// event. Page milestones may take minutes on a bad connection; a single
// DNS lookup, connection or interaction beyond a minute is no measurement.
const (
	maxMilestoneMS = 10 * 60 * 1000 // ttfb, fcp, lcp, dom, load, response
	maxPhaseMS     = 60 * 1000      // dns, connect, tls, inp
	maxCLS         = 10             // a layout shift scores at most 1; windows last at most 5 s
	maxShift       = 1
	maxTransfer    = 1 << 30 // bytes of one HTML document
	// Core Web Vitals definitions (web.dev/articles/cls, /inp).
	clsGapMS      = 1000 // a shift joins the window if it follows the last within 1 s
	clsWindowMS   = 5000 // and the window is at most 5 s long
	inpPerOutlier = 50   // INP ignores the slowest interaction for every 50
)

// perfWire is the "pf" object. Footfall's tracker sends the browser's raw
// entries and lets the server apply the definitions (nt, ls, ix, ic, and
// fcp/lcp as startTime); other senders may send derived values under the
// long names. A derived value, when valid, wins over one computed from
// raw entries. Every field is decoded on its own: a wrong type or an
// absurd value loses that field only.
type perfWire struct {
	LCP, INP, FCP, TTFB, CLS               json.RawMessage
	DNS, Connect, TLS, Response, DOM, Load json.RawMessage
	Size                                   json.RawMessage `json:"size"`

	// NT is the navigation's PerformanceNavigationTiming, as its toJSON()
	// gives it.
	NT json.RawMessage `json:"nt"`
	// LS are layout shifts without recent input: [startTime, value].
	LS json.RawMessage `json:"ls"`
	// IX are event timings of interactions: [interactionId, duration].
	IX json.RawMessage `json:"ix"`
	// IC is performance.interactionCount, where the browser has it.
	IC json.RawMessage `json:"ic"`
}

// navTiming is the part of PerformanceNavigationTiming the server reads,
// in milliseconds since the navigation started.
type navTiming struct {
	ActivationStart            json.RawMessage `json:"activationStart"`
	DomainLookupStart          json.RawMessage `json:"domainLookupStart"`
	DomainLookupEnd            json.RawMessage `json:"domainLookupEnd"`
	ConnectStart               json.RawMessage `json:"connectStart"`
	SecureConnectionStart      json.RawMessage `json:"secureConnectionStart"`
	ConnectEnd                 json.RawMessage `json:"connectEnd"`
	RequestStart               json.RawMessage `json:"requestStart"`
	ResponseStart              json.RawMessage `json:"responseStart"`
	DOMContentLoadedEventStart json.RawMessage `json:"domContentLoadedEventStart"`
	LoadEventStart             json.RawMessage `json:"loadEventStart"`
	TransferSize               json.RawMessage `json:"transferSize"`
}

// decodePerf reads a "pf" value. Anything but an object yields no
// measurements and no error: performance data never costs an event.
func decodePerf(raw json.RawMessage) Perf {
	var w perfWire
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &w) != nil {
		return Perf{}
	}
	var p Perf
	var nt navTiming
	hasNT := len(w.NT) > 0 && w.NT[0] == '{' && json.Unmarshal(w.NT, &nt) == nil
	// A prerendered page starts for its visitor at activation.
	activation := 0.0
	if hasNT {
		if a, ok := mark(nt.ActivationStart); ok {
			activation = a
		}
		since := func(m json.RawMessage) float64 {
			if v, ok := mark(m); ok && v > 0 {
				return math.Max(v-activation, 0)
			}
			return math.NaN()
		}
		delta := func(end, start json.RawMessage) float64 {
			e, ok1 := mark(end)
			s, ok2 := mark(start)
			if !ok1 || !ok2 || e <= 0 || s <= 0 {
				return math.NaN()
			}
			return e - s
		}
		p.TTFB = ms(since(nt.ResponseStart), maxMilestoneMS)
		p.DNS = p.timing(store.ZeroDNS, delta(nt.DomainLookupEnd, nt.DomainLookupStart), maxPhaseMS)
		if s, ok := mark(nt.SecureConnectionStart); ok && s > 0 {
			p.Connect = p.timing(store.ZeroConnect, delta(nt.SecureConnectionStart, nt.ConnectStart), maxPhaseMS)
			p.TLS = p.timing(store.ZeroTLS, delta(nt.ConnectEnd, nt.SecureConnectionStart), maxPhaseMS)
		} else {
			p.Connect = p.timing(store.ZeroConnect, delta(nt.ConnectEnd, nt.ConnectStart), maxPhaseMS)
		}
		p.Response = p.timing(store.ZeroResponse, delta(nt.ResponseStart, nt.RequestStart), maxMilestoneMS)
		p.DOM = ms(since(nt.DOMContentLoadedEventStart), maxMilestoneMS)
		p.Load = ms(since(nt.LoadEventStart), maxMilestoneMS)
		if n, ok := mark(nt.TransferSize); ok && n <= maxTransfer {
			p.TransferBytes = p.timing(store.ZeroTransfer, n, maxTransfer)
		}
	}
	// FCP and LCP are startTimes: relative to activation when the timing
	// says when that was.
	if v, ok := mark(w.FCP); ok && v > 0 {
		p.FCP = ms(math.Max(v-activation, 0), maxMilestoneMS)
	}
	if v, ok := mark(w.LCP); ok && v > 0 {
		p.LCP = ms(math.Max(v-activation, 0), maxMilestoneMS)
	}
	if cls, ok := layoutShifts(w.LS); ok {
		p.CLS, p.HasCLS = cls, true
	}
	if inp, ok := interactions(w.IX, w.IC); ok {
		p.INP = ms(inp, maxPhaseMS)
	}

	// Derived values sent as such.
	for _, f := range []struct {
		raw json.RawMessage
		dst *uint32
		max float64
	}{
		{w.TTFB, &p.TTFB, maxMilestoneMS}, {w.DNS, &p.DNS, maxPhaseMS}, {w.Connect, &p.Connect, maxPhaseMS},
		{w.TLS, &p.TLS, maxPhaseMS}, {w.Response, &p.Response, maxMilestoneMS}, {w.DOM, &p.DOM, maxMilestoneMS},
		{w.Load, &p.Load, maxMilestoneMS}, {w.INP, &p.INP, maxPhaseMS},
	} {
		if v, ok := mark(f.raw); ok {
			if n := ms(v, f.max); n > 0 {
				*f.dst = n
			}
		}
	}
	if v, ok := mark(w.Size); ok && v <= maxTransfer {
		p.TransferBytes = uint32(v)
	}
	if v, ok := mark(w.CLS); ok && v <= maxCLS {
		p.CLS, p.HasCLS = float32(v), true
	}
	return p
}

// timing rounds a measured duration (or size) like ms, and flags a
// measured 0 with bit, so it is stored as 0 rather than as "not measured".
func (p *Perf) timing(bit uint8, v, max float64) uint32 {
	n := ms(v, max)
	if n == 0 && !math.IsNaN(v) && v >= 0 && v <= max {
		p.Zero |= bit
	}
	return n
}

// mark reads a finite, non-negative JSON number (or numeric string).
func mark(raw json.RawMessage) (float64, bool) {
	v, ok := number(raw)
	return v, ok && v >= 0
}

// ms rounds a duration to milliseconds: 0 (not measured) when it is not
// a number, negative or beyond max.
func ms(v, max float64) uint32 {
	if math.IsNaN(v) || v < 0 || v > max {
		return 0
	}
	return uint32(math.Round(v))
}

// layoutShifts computes CLS from [startTime, value] pairs: the largest sum
// of a session window. An empty list is a measured 0; a malformed or
// absurd one is no measurement.
func layoutShifts(raw json.RawMessage) (float32, bool) {
	if len(raw) == 0 || raw[0] != '[' {
		return 0, false
	}
	var pairs [][]json.RawMessage
	if json.Unmarshal(raw, &pairs) != nil {
		return 0, false
	}
	type shift struct{ at, value float64 }
	shifts := make([]shift, 0, len(pairs))
	for _, pair := range pairs {
		if len(pair) != 2 {
			return 0, false
		}
		at, ok1 := mark(pair[0])
		v, ok2 := mark(pair[1])
		if !ok1 || !ok2 || v > maxShift {
			return 0, false
		}
		shifts = append(shifts, shift{at, v})
	}
	slices.SortStableFunc(shifts, func(a, b shift) int { return cmpFloat(a.at, b.at) })
	var cls, sum, first, last float64
	for i, s := range shifts {
		if i > 0 && s.at-last < clsGapMS && s.at-first < clsWindowMS {
			sum += s.value
		} else {
			sum, first = s.value, s.at
		}
		last = s.at
		cls = math.Max(cls, sum)
	}
	if cls > maxCLS {
		return 0, false
	}
	return float32(cls), true
}

// interactions computes INP from [interactionId, duration] event timings
// and the page's interaction count: the latency of an interaction is its
// longest event; INP is the slowest interaction, ignoring one for every 50
// interactions. Interactions the browser did not report (faster than the
// observer's threshold) still count towards the 50s when the browser
// tells the count.
func interactions(raw, count json.RawMessage) (float64, bool) {
	if len(raw) == 0 || raw[0] != '[' {
		return 0, false
	}
	var pairs [][]json.RawMessage
	if json.Unmarshal(raw, &pairs) != nil {
		return 0, false
	}
	longest := map[float64]float64{}
	for _, pair := range pairs {
		if len(pair) != 2 {
			continue
		}
		id, ok1 := mark(pair[0])
		d, ok2 := mark(pair[1])
		if !ok1 || !ok2 || id == 0 || d > maxPhaseMS {
			continue
		}
		longest[id] = math.Max(longest[id], d)
	}
	if len(longest) == 0 {
		return 0, false
	}
	latencies := make([]float64, 0, len(longest))
	for _, d := range longest {
		latencies = append(latencies, d)
	}
	slices.SortFunc(latencies, func(a, b float64) int { return cmpFloat(b, a) })
	n := float64(len(latencies))
	if c, ok := mark(count); ok && c > n {
		n = c
	}
	i := min(len(latencies)-1, int(n/inpPerOutlier))
	return latencies[i], true
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

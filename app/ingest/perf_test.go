package ingest

import (
	"github.com/footfallhq/footfall/store"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodePerf(t *testing.T) {
	// A navigation as Chromium's toJSON() reports it (fields abridged).
	const nt = `{"name":"https://example.com/","entryType":"navigation","startTime":0,"activationStart":0,` +
		`"domainLookupStart":2.1,"domainLookupEnd":8.4,"connectStart":8.4,"secureConnectionStart":12.6,"connectEnd":40.2,` +
		`"requestStart":40.5,"responseStart":91.4,"responseEnd":95,"domInteractive":150,"domContentLoadedEventStart":180.4,` +
		`"loadEventStart":420.6,"transferSize":4321,"serverTiming":[],"notRestoredReasons":null}`
	navOnly := Perf{TTFB: 91, DNS: 6, Connect: 4, TLS: 28, Response: 51, DOM: 180, Load: 421, TransferBytes: 4321}
	with := func(p Perf, f func(*Perf)) Perf { f(&p); return p }
	tests := []struct {
		name, pf string
		want     Perf
	}{
		{"navigation timing", `{"nt":` + nt + `}`, navOnly},
		{"plain http: no tls", `{"nt":{"domainLookupStart":1,"domainLookupEnd":3,"connectStart":3,"secureConnectionStart":0,"connectEnd":7,"requestStart":7,"responseStart":20}}`,
			Perf{TTFB: 20, DNS: 2, Connect: 4, Response: 13}},
		{"prerendered: milestones from activation", `{"nt":{"activationStart":1000,"responseStart":300,"domContentLoadedEventStart":1200,"loadEventStart":1500.4},"fcp":1100,"lcp":900}`,
			Perf{DOM: 200, Load: 500, FCP: 100}},
		{"not loaded yet", `{"nt":{"responseStart":50,"loadEventStart":0}}`, Perf{TTFB: 50}},
		{"reused connection, cached: zeros are measurements", `{"nt":{"domainLookupStart":5,"domainLookupEnd":5,"connectStart":5,"secureConnectionStart":0,"connectEnd":5,"requestStart":6,"responseStart":30,"transferSize":0}}`,
			Perf{TTFB: 30, Response: 24, Zero: store.ZeroDNS | store.ZeroConnect | store.ZeroTransfer}},
		{"vitals", `{"nt":` + nt + `,"fcp":150.4,"lcp":300.5,"ls":[],"ix":[],"ic":0}`,
			with(navOnly, func(p *Perf) { p.FCP, p.LCP, p.HasCLS = 150, 301, true })},
		// Windows: {100, 600, 1500} (gap < 1 s) = 0.35; {3000, 3500} = 0.4;
		// 9000 alone = 0.3. The 5 s cap splits a long run: shifts every
		// 900 ms from 20000 fill one window up to 24500.
		{"cls session windows", `{"ls":[[600,0.1],[100,0.05],[1500,0.2],[3000,0.25],[3500,0.15],[9000,0.3]]}`,
			Perf{CLS: 0.4, HasCLS: true}},
		{"cls window at most 5 s", `{"ls":[[20000,0.1],[20900,0.1],[21800,0.1],[22700,0.1],[23600,0.1],[24500,0.1],[25400,0.1]]}`,
			Perf{CLS: 0.6, HasCLS: true}},
		{"inp: longest event per interaction, slowest interaction", `{"ix":[[5,48],[5,96],[6,200],[7,16]],"ic":3}`, Perf{INP: 200}},
		{"inp: one outlier ignored per 50 interactions", `{"ix":[[1,400],[2,300],[3,100]],"ic":120}`, Perf{INP: 100}},
		{"inp: fewer entries than outliers", `{"ix":[[1,400],[2,300]],"ic":500}`, Perf{INP: 300}},
		{"inp: without a count", `{"ix":[[1,400],[2,300]]}`, Perf{INP: 400}},
		{"derived values of other senders", `{"lcp":1834.6,"cls":0.12,"inp":96,"fcp":900,"ttfb":180,"dns":12,"connect":30,"tls":22,"response":45,"dom":1200,"load":2100,"size":34567}`,
			Perf{LCP: 1835, CLS: 0.12, HasCLS: true, INP: 96, FCP: 900, TTFB: 180, DNS: 12, Connect: 30, TLS: 22, Response: 45, DOM: 1200, Load: 2100, TransferBytes: 34567}},
		{"derived value wins", `{"nt":{"responseStart":50},"ttfb":70}`, Perf{TTFB: 70}},
		{"cls zero is a measurement", `{"cls":0}`, Perf{HasCLS: true}},

		// Field by field: what is wrong is dropped, the rest kept.
		{"negative", `{"lcp":-1,"fcp":100,"dns":-3,"nt":{"domainLookupStart":9,"domainLookupEnd":3}}`, Perf{FCP: 100}},
		{"absurd", `{"lcp":7200000,"inp":120000,"dns":61000,"cls":11,"size":5e9,"fcp":200}`, Perf{FCP: 200}},
		{"non-finite and wrong types", `{"lcp":"NaN","fcp":"Infinity","inp":true,"cls":{},"ttfb":[1],"dns":null,"load":"12"}`, Perf{Load: 12}},
		{"number out of float range", `{"lcp":1e999,"fcp":5}`, Perf{FCP: 5}},
		{"malformed shifts lose only cls", `{"ls":[[1,0.1,3]],"fcp":5}`, Perf{FCP: 5}},
		{"a shift above 1 is absurd", `{"ls":[[1,1.5]],"fcp":5}`, Perf{FCP: 5}},
		{"shifts of the wrong type", `{"ls":"lots","ix":{"1":2},"fcp":5}`, Perf{FCP: 5}},
		{"malformed interactions are skipped", `{"ix":[[1],[2,"x"],[0,50],[3,-1],[4,70000],[5,88]]}`, Perf{INP: 88}},
		{"timing of the wrong type", `{"nt":"fast","lcp":5}`, Perf{LCP: 5}},
		{"not an object", `[1,2]`, Perf{}},
		{"a string", `"pf"`, Perf{}},
		{"null", `null`, Perf{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"n":"engagement","u":"https://example.com/","d":"example.com","pf":` + tt.pf + `}`
			r, err := Decode([]byte(body))
			if err != nil {
				t.Fatalf("Decode(%s) = %v, want the event kept", body, err)
			}
			if diff := cmp.Diff(tt.want, r.Perf); diff != "" {
				t.Errorf("Decode(%s).Perf mismatch (-want +got):\n%s", tt.pf, diff)
			}
		})
	}
}

package ingest

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, body string
		want       Request
	}{
		{"plausible legacy", `{"n":"pageview","u":"https://example.com/a?x=1","d":"example.com","r":"https://google.com/","w":1280,"h":0,"p":"{\"plan\":\"pro\",\"n\":3}"}`,
			Request{Name: "pageview", URL: "https://example.com/a?x=1", Domain: "example.com", Referrer: "https://google.com/", ScreenWidth: 1280, Props: map[string]string{"plan": "pro", "n": "3"}, ScrollDepth: -1}},
		{"plausible current", `{"n":"Purchase","v":20,"u":"https://example.com/#/cart","d":"example.com","r":null,"p":{"plan":"pro","trial":true,"seats":5,"nested":{"a":1},"empty":""},"$":{"amount":"9.99","currency":"eur"},"i":true,"h":1}`,
			Request{Name: "Purchase", URL: "https://example.com/#/cart", Domain: "example.com", HashMode: true, Props: map[string]string{"plan": "pro", "trial": "true", "seats": "5"}, Revenue: &Revenue{Amount: 9.99, Currency: "EUR"}, ScrollDepth: -1}},
		{"engagement", `{"n":"engagement","u":"https://example.com/post","d":"example.com","sd":73,"e":12500}`,
			Request{Name: "engagement", URL: "https://example.com/post", Domain: "example.com", ScrollDepth: 73, EngagementMS: 12500}},
		{"engagement clamps", `{"n":"engagement","u":"https://example.com/","d":"example.com","sd":250,"e":-4}`,
			Request{Name: "engagement", URL: "https://example.com/", Domain: "example.com", ScrollDepth: 100}},
		{"long keys", `{"name":"Signup","url":"https://example.com/join","domain":"example.com","referrer":"https://t.co/x","props":{"k":"v"},"revenue":{"amount":12,"currency":"USD"}}`,
			Request{Name: "Signup", URL: "https://example.com/join", Domain: "example.com", Referrer: "https://t.co/x", Props: map[string]string{"k": "v"}, Revenue: &Revenue{Amount: 12, Currency: "USD"}, ScrollDepth: -1}},
		{"legacy revenue string", `{"n":"Buy","u":"https://example.com/","d":"example.com","$":"{\"amount\":1.5,\"currency\":\"GBP\"}"}`,
			Request{Name: "Buy", URL: "https://example.com/", Domain: "example.com", Revenue: &Revenue{Amount: 1.5, Currency: "GBP"}, ScrollDepth: -1}},
		{"performance extension", `{"n":"pageview","u":"https://example.com/","d":"example.com","pf":{"lcp":1834.6,"cls":0.12,"inp":96,"fcp":900,"ttfb":180,"dns":12,"connect":30,"tls":22,"response":45,"dom":1200,"load":2100,"size":34567}}`,
			Request{Name: "pageview", URL: "https://example.com/", Domain: "example.com", ScrollDepth: -1, Perf: Perf{LCP: 1835, CLS: 0.12, HasCLS: true, INP: 96, FCP: 900, TTFB: 180, DNS: 12, Connect: 30, TLS: 22, Response: 45, DOM: 1200, Load: 2100, TransferBytes: 34567}}},
		{"empty legacy props", `{"n":"pageview","u":"https://example.com/","d":"example.com","p":""}`,
			Request{Name: "pageview", URL: "https://example.com/", Domain: "example.com", ScrollDepth: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.body))
			if err != nil {
				t.Fatalf("Decode(%s) = %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%s) mismatch (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct{ body, code string }{
		{``, "empty_body"},
		{`   `, "empty_body"},
		{`not json`, "invalid_json"},
		{`[1,2]`, "invalid_json"},
		{`{"n":"pageview"`, "invalid_json"},
		{"{\"n\":\"\xff\"}", "invalid_json"},
		{`{"u":"https://example.com/","d":"example.com"}`, "missing_name"},
		{`{"n":"pageview","d":"example.com"}`, "missing_url"},
		{`{"n":"pageview","u":"https://example.com/"}`, "missing_domain"},
		{`{"n":5,"u":"https://example.com/","d":"example.com"}`, "invalid_field"},
		{`{"n":"` + strings.Repeat("x", 121) + `","u":"https://example.com/","d":"example.com"}`, "invalid_name"},
		{`{"n":"e","u":"https://example.com/","d":"example.com","p":[1]}`, "invalid_props"},
		{`{"n":"e","u":"https://example.com/","d":"example.com","p":"{bad"}`, "invalid_props"},
		{`{"n":"e","u":"https://example.com/","d":"example.com","$":{"amount":"lots","currency":"EUR"}}`, "invalid_revenue"},
		{`{"n":"e","u":"https://example.com/","d":"example.com","$":{"amount":1,"currency":"euro"}}`, "invalid_revenue"},
		{`{"n":"e","u":"https://example.com/","d":"example.com","$":{"amount":1e13,"currency":"EUR"}}`, "invalid_revenue"},
		{`{"n":"e","u":"https://example.com/","d":"example.com","p":{` + manyProps(31) + `}}`, "too_many_props"},
		{`{"n":"e","u":"https://example.com/","d":"example.com"}` + strings.Repeat(" ", MaxBodyBytes), "body_too_large"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.body))
		var ie *InputError
		if !errors.As(err, &ie) || ie.Code != tt.code {
			t.Errorf("Decode(%.60q) = %v, want InputError %q", tt.body, err, tt.code)
		}
	}
}

func manyProps(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k` + strings.Repeat("x", i) + `":"v"`)
	}
	return b.String()
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"n":"pageview","u":"https://example.com/","d":"example.com","r":null,"w":1024}`,
		`{"n":"Purchase","u":"https://example.com/","d":"example.com","p":{"a":1},"$":{"amount":"9.99","currency":"EUR"}}`,
		`{"n":"pageview","u":"https://example.com/","d":"example.com","p":"{\"a\":\"b\"}"}`,
		`{"n":"engagement","u":"https://example.com/","d":"example.com","sd":50,"e":1000}`,
		`{"name":"x","url":"https://a.b/","domain":"a.b","pf":{"lcp":1,"cls":0.1}}`,
		`{"n":"engagement","u":"https://a.b/","d":"a.b","sd":12.5,"e":300,"pf":{"nt":{"activationStart":0,"domainLookupStart":3,"domainLookupEnd":9,"connectStart":9,"secureConnectionStart":12,"connectEnd":30,"requestStart":31,"responseStart":80,"domContentLoadedEventStart":200,"loadEventStart":400,"transferSize":5000},"fcp":150.2,"lcp":300.7,"ls":[[100,0.1],[600,0.05]],"ix":[[7,64],[7,72],[9,40]],"ic":2}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Decode(body)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Code == "" || ie.Message == "" {
				t.Fatalf("Decode(%q) error %v is not an InputError with code and message", body, err)
			}
			return
		}
		if r.Name == "" || r.URL == "" || r.Domain == "" {
			t.Fatalf("Decode(%q) = %+v without name, url or domain", body, r)
		}
		if len(r.Props) > maxProps || r.ScrollDepth > 100 || r.ScrollDepth < -1 {
			t.Fatalf("Decode(%q) = %+v outside limits", body, r)
		}
		p := r.Perf
		for _, v := range []uint32{p.LCP, p.FCP, p.TTFB, p.Response, p.DOM, p.Load} {
			if v > maxMilestoneMS {
				t.Fatalf("Decode(%q) perf %+v: milestone beyond %d ms", body, p, maxMilestoneMS)
			}
		}
		for _, v := range []uint32{p.DNS, p.Connect, p.TLS, p.INP} {
			if v > maxPhaseMS {
				t.Fatalf("Decode(%q) perf %+v: phase beyond %d ms", body, p, maxPhaseMS)
			}
		}
		if p.CLS < 0 || p.CLS > maxCLS || math.IsNaN(float64(p.CLS)) || (p.CLS > 0 && !p.HasCLS) || p.TransferBytes > maxTransfer {
			t.Fatalf("Decode(%q) perf %+v outside limits", body, p)
		}
	})
}

package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestPayloadMix(t *testing.T) {
	const site, n = "shop.example", 50_000
	w := newWorkload(site, 1, n)
	paths := map[string]int{}
	var custom, revenue, props, utm, direct int
	refs := map[string]bool{}
	for k := range uint64(n) {
		var e struct {
			N  string          `json:"n"`
			U  string          `json:"u"`
			D  string          `json:"d"`
			R  *string         `json:"r"`
			P  json.RawMessage `json:"p"`
			R2 *struct {
				Amount   string `json:"amount"`
				Currency string `json:"currency"`
			} `json:"$"`
		}
		body := w.body(k)
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("body %d = %s: %v", k, body, err)
		}
		if e.N == "" || e.D != site || !strings.HasPrefix(e.U, "https://"+site+"/") {
			t.Fatalf("body %d = %s, want n, d=%s and u on the site", k, body, site)
		}
		path, query, _ := strings.Cut(strings.TrimPrefix(e.U, "https://"+site), "?")
		paths[path]++
		if strings.Contains(query, "utm_") {
			utm++
		}
		if e.R == nil {
			direct++
		} else {
			refs[*e.R] = true
		}
		if e.N != "pageview" {
			custom++
		}
		if len(e.P) > 0 {
			props++
			var m map[string]string
			if err := json.Unmarshal(e.P, &m); err != nil {
				t.Errorf("body %d: props %s are not a string map: %v", k, e.P, err)
			}
		}
		if e.R2 != nil {
			revenue++
			if e.R2.Amount == "" || len(e.R2.Currency) != 3 {
				t.Errorf("body %d: revenue %+v", k, *e.R2)
			}
		}
	}

	counts := make([]int, 0, numPaths)
	for _, c := range paths {
		counts = append(counts, c)
	}
	for len(counts) < numPaths {
		counts = append(counts, 0) // never drawn: still part of the median
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	top, median := counts[0], max(counts[numPaths/2], 1)
	if top < 50*median || paths["/"] != top {
		t.Errorf("Zipf: top path %d×, median %d×, home %d×; want the home page far ahead", top, median, paths["/"])
	}
	if len(paths) < 1000 {
		t.Errorf("only %d distinct paths in %d events", len(paths), n)
	}
	share := func(c int) float64 { return float64(c) / n }
	for _, c := range []struct {
		name     string
		got      float64
		min, max float64
	}{
		{"custom events", share(custom), 0.02, 0.06},
		{"revenue", share(revenue), 0.004, 0.015},
		{"with props", share(props), 0.02, 0.06},
		{"utm tags", share(utm), 0.03, 0.07},
		{"direct", share(direct), 0.25, 0.45},
	} {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s: %.3f of bodies, want %.3f..%.3f", c.name, c.got, c.min, c.max)
		}
	}
	for _, want := range []string{"https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/", "https://news.ycombinator.com/"} {
		if !refs[want] {
			t.Errorf("referrer %q never sent", want)
		}
	}
}

func TestVisitorsArePublicAndDiverse(t *testing.T) {
	w := newWorkload("x.example", 1, 10)
	seen := map[string]bool{}
	var v6 int
	for _, h := range w.xff {
		a, err := netip.ParseAddr(h[0])
		if err != nil {
			t.Fatalf("X-Forwarded-For %q: %v", h[0], err)
		}
		if a.IsPrivate() || a.IsLoopback() || a.IsMulticast() || a.IsLinkLocalUnicast() ||
			a.IsUnspecified() || !a.IsGlobalUnicast() || (a.Is4() && !isPublicV4(a)) {
			t.Errorf("address %v is not public-looking", a)
		}
		if a.Is6() {
			v6++
		}
		seen[h[0]] = true
	}
	if len(seen) != numVisitors {
		t.Errorf("%d distinct addresses, want %d", len(seen), numVisitors)
	}
	if v6 < numVisitors/20 || v6 > numVisitors/5 {
		t.Errorf("%d IPv6 addresses of %d, want about a tenth", v6, numVisitors)
	}
	reached := map[int]bool{}
	uas := map[string]bool{}
	for k := range uint64(50_000) {
		v := w.visitor(k)
		reached[v] = true
		uas[w.uaHdr[w.ua[v]][0]] = true
	}
	// 50,000 uniform draws from 100,000 reach ≈ 39,000 distinct visitors.
	if len(reached) < 35_000 {
		t.Errorf("50,000 requests reach %d visitors, want ≥ 35,000", len(reached))
	}
	if len(uas) != 16 {
		t.Errorf("requests carry %d distinct user agents, want 16", len(uas))
	}
}

func TestUserAgentsAreBrowsers(t *testing.T) {
	seen := map[string]bool{}
	for _, u := range userAgents {
		low := strings.ToLower(u.ua)
		for _, bad := range []string{"bot", "headless", "spider", "crawl", "curl", "python", "go-http"} {
			if strings.Contains(low, bad) {
				t.Errorf("user agent %q looks automated (%q)", u.ua, bad)
			}
		}
		if !strings.HasPrefix(u.ua, "Mozilla/5.0 (") || u.weight <= 0 {
			t.Errorf("user agent %q (weight %d) is not a browser's", u.ua, u.weight)
		}
		seen[u.ua] = true
	}
	if len(seen) != 16 {
		t.Errorf("%d distinct user agents, want 16", len(seen))
	}
}

func TestRequestShape(t *testing.T) {
	w := newWorkload("x.example", 3, 100)
	tmpl, err := newTemplate(context.Background(), "http://127.0.0.1:8000/api/event")
	if err != nil {
		t.Fatal(err)
	}
	r := w.request(tmpl, 42)
	body, _ := io.ReadAll(r.Body)
	if r.Method != "POST" || r.URL.Path != "/api/event" || r.Header.Get("Content-Type") != "text/plain" ||
		r.Header.Get("User-Agent") == "" || r.Header.Get("X-Forwarded-For") == "" ||
		r.ContentLength != int64(len(body)) || !json.Valid(body) {
		t.Errorf("request(42) = %s %v %v len %d body %s", r.Method, r.URL, r.Header, r.ContentLength, body)
	}
	again, _ := r.GetBody()
	if b2, _ := io.ReadAll(again); string(b2) != string(body) {
		t.Errorf("GetBody() = %s, want %s", b2, body)
	}
	// Same seed, same requests: the Footfall and no-op runs must match.
	other := newWorkload("x.example", 3, 100)
	if string(other.body(42)) != string(body) || other.xff[other.visitor(42)][0] != r.Header.Get("X-Forwarded-For") {
		t.Errorf("workload is not deterministic for a seed")
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnew\nline\x01", "ünïcode"} {
		var got string
		raw := appendJSONString(nil, s)
		if err := json.Unmarshal(raw, &got); err != nil || got != s {
			t.Errorf("appendJSONString(%q) = %s, decodes to %q, %v", s, raw, got, err)
		}
	}
}

func BenchmarkGenerator(b *testing.B) {
	b.Run("body", func(b *testing.B) {
		g := newGenerator("shop.example", 1)
		buf := make([]byte, 0, 512)
		b.ReportAllocs()
		for b.Loop() {
			buf = g.appendBody(buf[:0])
		}
	})
	b.Run("request", func(b *testing.B) {
		w := newWorkload("shop.example", 1, 1024)
		tmpl, err := newTemplate(context.Background(), "http://127.0.0.1:8000/api/event")
		if err != nil {
			b.Fatal(err)
		}
		var k uint64
		b.ReportAllocs()
		for b.Loop() {
			_ = w.request(tmpl, k)
			k++
		}
	})
	b.Run("workload", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = newWorkload("shop.example", 1, maxBodies)
		}
	})
}

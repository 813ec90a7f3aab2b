package visitor

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

// TestSessionMemory bounds what an open session costs: the table holds
// every visitor of the last half hour, so a busy site's memory is this
// figure times its visitors. Each event's strings come from a buffer of
// its own, as decoded request bodies do, so a session that kept pointers
// into them would show here.
func TestSessionMemory(t *testing.T) {
	const n = 50_000
	s := NewSessions(nil)
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		body := "https://example.com/blog/posts/" + strconv.Itoa(i) + "?utm_source=newsletter " +
			"https://news.ycombinator.com/item?id=" + strconv.Itoa(i) + " Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.6778.85"
		ev := store.Event{
			Timestamp: at, SiteID: 1, Name: "pageview",
			Pathname: body[19:33], Referrer: body[60:100], Source: "Hacker News", Channel: "Referral",
			UTMSource: body[38:48], Country: "DE", Region: "DE-BE", City: "Berlin",
			Browser: "Chrome", BrowserVersion: body[len(body)-13:], OS: "GNU/Linux", Device: "desktop", Screen: "Desktop",
		}
		if !s.Assign(ctx, &ev, uint64(i+1), 0, true) {
			t.Fatal("Assign refused a pageview")
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes of heap per open session", per)
	// The decoded form took 546 B with the request buffers it kept; the
	// encoded one 243 B, most of it the map and the encoding itself.
	if per > 320 {
		t.Errorf("an open session costs %.0f B of heap, want at most 320", per)
	}
	runtime.KeepAlive(s)
}

package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

const assets = "../../assets"

// servePages serves the test pages on their own loopback port, so every
// event crosses origins to Footfall. head goes into each page's <head>
// (the tracker under test); {{footfall}} in it becomes Footfall's URL.
func servePages(t *testing.T, footfall, head string) string {
	t.Helper()
	head = strings.ReplaceAll(head, "{{footfall}}", footfall)
	mux := http.NewServeMux()
	page := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			fmt.Fprintf(w, "<!doctype html><html><head><meta charset=utf-8><title>test</title>%s</head><body style=\"margin:0\">%s</body></html>", head, body)
		}
	}
	// The landing page of a small single-page app.
	mux.HandleFunc("/", page(200, `<h1 style="font-size:48px">Landing</h1>
<button id=buy data-footfall-event="Purchase" data-footfall-event-plan="team" data-footfall-revenue="19.90 USD">Buy</button>
<a id=dl href="/files/report.pdf" download>report</a>
<a id=out href="`+footfall+`/healthz">elsewhere</a>
<div style="height:3000px"></div>`))
	mux.HandleFunc("/files/report.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4\n"))
	})
	// A page with a known largest paint, two layout shifts 300 ms apart
	// (one session window) and a button whose handler blocks for 150 ms.
	mux.HandleFunc("/vitals", page(200, `<div id=shift></div>
<p id=big style="font-size:64px;margin:0">The largest paint on this page</p>
<button id=slow style="font-size:32px">slow</button>
<div style="height:2000px"></div>
<script>
document.getElementById('slow').addEventListener('click', () => { const t = performance.now(); while (performance.now() - t < 150); document.getElementById('slow').textContent = 'done' })
setTimeout(() => { document.getElementById('shift').style.height = '100px' }, 300)
setTimeout(() => { document.getElementById('shift').style.height = '160px' }, 600)
</script>`))
	mux.HandleFunc("/missing", page(404, `<h1>Not found</h1>`))
	mux.HandleFunc("/left", page(200, `<p>left</p>`))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// queueSnippet is the stub sites put before the tracker so that calls made
// before it loads are kept.
const queueSnippet = `<script>window.footfall = window.footfall || function () { (window.footfall.q = window.footfall.q || []).push(arguments) }
footfall('Queued', {props: {early: 'yes'}})</script>`

// event is what the compatibility and event tests compare: the stored
// row's identity, without times and measurements.
type event struct{ Name, Path, Props, Revenue string }

func (r Row) event() event {
	rev := ""
	if r.Currency != "" {
		rev = fmt.Sprintf("%.2f %s", r.Revenue, r.Currency)
	}
	return event{r.Name, r.Pathname, r.Props, rev}
}

// sorted orders events by name, page and props: events sent in the same
// instant (a pageview and a queued call) may arrive in either order.
func sorted(es []event) []event {
	es = slices.Clone(es)
	slices.SortStableFunc(es, func(a, b event) int {
		return strings.Compare(a.Name+"\x00"+a.Path+"\x00"+a.Props, b.Name+"\x00"+b.Path+"\x00"+b.Props)
	})
	return es
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/footfallhq/footfall/app/bench"
)

func trivial(url string, c int, d time.Duration) float64 {
	tr := &http.Transport{MaxConnsPerHost: c, MaxIdleConnsPerHost: c, DisableCompression: true}
	body := []byte(`{"n":"pageview","u":"https://bench.footfall.test/p/123","d":"bench.footfall.test","r":"https://www.google.com/"}`)
	var n atomic.Int64
	var stop atomic.Bool
	time.AfterFunc(d, func() { stop.Store(true) })
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for !stop.Load() {
				req, _ := http.NewRequest("POST", url+"/api/event", bytes.NewReader(body))
				req.Header.Set("Content-Type", "text/plain")
				resp, err := tr.RoundTrip(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

func main() {
	url, stop, err := bench.NoopServer()
	if err != nil {
		panic(err)
	}
	defer stop()
	if len(os.Args) > 1 {
		f, _ := os.Create(os.Args[1])
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	for i := 0; i < 3; i++ {
		rep, err := bench.Run(context.Background(), bench.Options{URL: url, Label: "noop", Concurrency: 32, Duration: 5 * time.Second})
		if err != nil {
			panic(err)
		}
		fmt.Printf("bench.Run: %.0f req/s p50 %v p99 %v   ", rep.AcceptedPerSec, rep.Latency.P50, rep.Latency.P99)
		fmt.Printf("trivial loop: %.0f req/s\n", trivial(url, 32, 5*time.Second))
	}
}

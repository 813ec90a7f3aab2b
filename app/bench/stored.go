package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Stored is the durability check: how many events the stats API counts
// for the site before and after the load. Acknowledged must mean stored,
// so OK is false whenever fewer events arrived than were accepted.
type Stored struct {
	Before int64 `json:"before"`
	After  int64 `json:"after"`
	// Stored is After − Before: the site may already hold events.
	Stored int64 `json:"stored"`
	// OK reports Stored ≥ accepted.
	OK bool `json:"ok"`
	// Wait is how long after the load the count took to settle.
	Wait time.Duration `json:"wait_ns"`
	// TimedOut is set when the count was still growing at the deadline.
	TimedOut bool `json:"timed_out,omitempty"`
	// Error is the last failed query, if the check ended on one.
	Error string `json:"error,omitempty"`
}

const (
	pollEvery = 250 * time.Millisecond
	// settleAfter is how long the count must stay unchanged before we
	// believe the server has drained its queue. Generous, because a batcher
	// may flush every second or two and a stats cache may hold a result.
	settleAfter = 5 * time.Second
)

// statsClient asks the stats API for the site's total event count.
type statsClient struct {
	hc       *http.Client
	endpoint string
	key      string
	body     []byte
	settle   time.Duration // settleAfter; shorter in tests
}

func newStatsClient(hc *http.Client, endpoint, site, key string) (*statsClient, error) {
	body, err := json.Marshal(map[string]any{
		"site_id":    site,
		"metrics":    []string{"events"},
		"date_range": "all",
	})
	if err != nil {
		return nil, err
	}
	return &statsClient{hc: hc, endpoint: endpoint, key: key, body: body, settle: settleAfter}, nil
}

func (s *statsClient) count(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(s.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("bench: stats query: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, fmt.Errorf("bench: stats query: read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(raw[:min(len(raw), 300)]))
		return 0, fmt.Errorf("bench: stats query: %s: %s", resp.Status, msg)
	}
	var out struct {
		Results []struct {
			Metrics []json.Number `json:"metrics"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return 0, fmt.Errorf("bench: stats query: decode response: %w", err)
	}
	// No rows is what an empty site may answer: zero events.
	if len(out.Results) == 0 {
		return 0, nil
	}
	if len(out.Results[0].Metrics) == 0 {
		return 0, fmt.Errorf("bench: stats query: response has no metrics")
	}
	n, err := out.Results[0].Metrics[0].Int64()
	if err != nil {
		return 0, fmt.Errorf("bench: stats query: events = %q: %w", out.Results[0].Metrics[0], err)
	}
	return n, nil
}

// wait polls until before+accepted events are counted, or the count stops
// growing for s.settle, or timeout passes. Query errors after the load
// are retried until then: a server busy flushing may answer slowly.
func (s *statsClient) wait(ctx context.Context, before, accepted int64, timeout time.Duration) Stored {
	start := time.Now()
	deadline := start.Add(timeout)
	res := Stored{Before: before, After: before}
	last, lastChange := int64(-1), start
	for {
		n, err := s.count(ctx)
		now := time.Now()
		if err != nil {
			res.Error = err.Error()
		} else {
			res.Error = ""
			res.After = n
			if n-before >= accepted {
				break
			}
			if n != last {
				last, lastChange = n, now
			} else if now.Sub(lastChange) >= s.settle {
				break
			}
		}
		if now.After(deadline) {
			res.TimedOut = err == nil
			break
		}
		select {
		case <-ctx.Done():
			res.Error = ctx.Err().Error()
			return finish(res, accepted, start)
		case <-time.After(pollEvery):
		}
	}
	return finish(res, accepted, start)
}

func finish(res Stored, accepted int64, start time.Time) Stored {
	res.Stored = res.After - res.Before
	res.OK = res.Stored >= accepted
	res.Wait = time.Since(start)
	return res
}

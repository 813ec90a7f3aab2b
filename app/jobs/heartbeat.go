package jobs

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Heartbeat pings an outside watcher (healthchecks.io, Cronitor and the
// like) around each run, so that an operator learns of a job that stopped
// running even when Footfall itself is down: Template is a URL holding
// "{job}", pinged with "/start" appended when a run begins, as is when it
// succeeds, and with "/fail" appended when it fails (healthchecks.io's
// scheme; Cronitor's telemetry URLs take the same three).
type Heartbeat struct {
	Template string
	Client   *http.Client // nil: a client with a 10 s timeout
}

// ParseHeartbeat checks a heartbeat URL template.
func ParseHeartbeat(template string) (*Heartbeat, error) {
	if !strings.Contains(template, "{job}") {
		return nil, fmt.Errorf("heartbeat URL %q has no {job} placeholder", template)
	}
	u, err := url.Parse(strings.ReplaceAll(template, "{job}", "x"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("heartbeat URL %q is not an http(s) URL", template)
	}
	return &Heartbeat{Template: template}, nil
}

// ping sends one ping; event is "start", "" (success) or "fail".
func (h *Heartbeat) ping(ctx context.Context, job, event string) error {
	u := strings.ReplaceAll(h.Template, "{job}", url.PathEscape(job))
	if event != "" {
		u = strings.TrimSuffix(u, "/") + "/" + event
	}
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("heartbeat %s: %w", event, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("heartbeat %s: %s", event, resp.Status)
	}
	return nil
}

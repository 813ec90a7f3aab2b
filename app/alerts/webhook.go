package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a webhook request's signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". The
// timestamp inside the signed text lets a receiver refuse old requests
// replayed to it.
const SignatureHeader = "X-Footfall-Signature"

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a SignatureHeader value against body: the signature must
// match and its timestamp be within tolerance of now. Receivers written in
// Go can use it; the README shows the same check in a few lines.
func Verify(secret, header string, body []byte, tolerance time.Duration, now time.Time) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return errors.New("malformed signature header")
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("signature header lacks t= or v1=")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("signature timestamp outside the tolerance")
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("signature does not match")
}

// CheckWebhookURL checks a webhook URL as the user gives it: absolute,
// https (http too when private addresses are allowed, for receivers on
// the local network), a host, no credentials. Where it points is checked
// when connecting (NewHTTPClient), not here: a name can change its address.
func CheckWebhookURL(raw string, allowPrivate bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !u.IsAbs() {
		return nil, fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.Scheme != "https" && (!allowPrivate || u.Scheme != "http") {
		return nil, fmt.Errorf("the webhook URL must start with https://")
	}
	if u.User != nil {
		return nil, errors.New("the webhook URL must not contain a user name or password")
	}
	if len(raw) > 2000 {
		return nil, errors.New("the webhook URL is longer than 2000 characters")
	}
	return u, nil
}

// RedactURL is a URL as the delivery log shows it: scheme, host and path,
// without the query (Slack and others put the secret in the path, so only
// its start is kept).
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	p := u.Path
	if len(p) > 12 {
		p = p[:12] + "…"
	}
	return u.Scheme + "://" + u.Host + p
}

// post sends body to target, retrying network errors, 429 and 5xx answers
// with exponential backoff; other answers are final. It returns the number
// of attempts, the last status (0 without an answer) and the error that
// made it give up.
func (n *Notifier) post(ctx context.Context, target string, body []byte, headers func(h http.Header, at time.Time)) (attempts, status int, err error) {
	backoff := n.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	tries := n.Attempts
	if tries <= 0 {
		tries = 4
	}
	for attempts = 1; ; attempts++ {
		var retry bool
		status, retry, err = n.postOnce(ctx, target, body, headers)
		if err == nil || !retry || attempts >= tries {
			return attempts, status, err
		}
		select {
		case <-ctx.Done():
			return attempts, status, fmt.Errorf("%w (then %v)", err, ctx.Err())
		case <-time.After(backoff << (attempts - 1)):
		}
	}
}

func (n *Notifier) postOnce(ctx context.Context, target string, body []byte, headers func(h http.Header, at time.Time)) (status int, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, false, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Footfall-Webhook/1")
	if headers != nil {
		headers(req.Header, n.now())
	}
	resp, err := n.HTTP.Do(req)
	if err != nil {
		// A refused address stays refused: no point retrying.
		return 0, !errors.Is(err, ErrForbiddenAddress), err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, false, nil
	}
	retry = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	return resp.StatusCode, retry, fmt.Errorf("the receiver answered %s", resp.Status)
}

package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what one event may carry; beyond them the request is refused
// (or, for props, the offending property dropped) rather than truncated
// silently into something the sender did not mean.
const (
	MaxBodyBytes    = 64 << 10
	maxNameLen      = 120
	maxURLLen       = 4096
	maxDomainLen    = 1024
	maxProps        = 30
	maxPropKeyLen   = 300
	maxPropValueLen = 2000
	maxMS           = 24 * 60 * 60 * 1000
)

// Request is one decoded /api/event body. It accepts Plausible's legacy
// and current tracker bodies, long keys, and Footfall's performance
// extension ("pf", see perf.go).
type Request struct {
	Name        string
	URL         string
	Domain      string
	Referrer    string
	Props       map[string]string
	Revenue     *Revenue
	HashMode    bool
	ScreenWidth int
	// ScrollDepth is a percentage, -1 when not sent.
	ScrollDepth int
	// EngagementMS is the engaged time reported by an engagement event.
	EngagementMS int64
	Perf         Perf
}

// Revenue is a monetary amount attached to a custom event.
type Revenue struct {
	Amount   float64
	Currency string
}

// InputError is a client mistake: the handler answers 4xx with Message.
type InputError struct {
	Code    string // machine code, e.g. "invalid_json"
	Message string // a sentence for the developer
}

func (e *InputError) Error() string { return e.Message }

func invalid(code, format string, args ...any) error {
	return &InputError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// wire is the JSON body. Short and long keys are both accepted; where both
// are present the short one wins.
type wire struct {
	N        *string         `json:"n"`
	Name     *string         `json:"name"`
	U        *string         `json:"u"`
	URL      *string         `json:"url"`
	D        *string         `json:"d"`
	Domain   *string         `json:"domain"`
	R        *string         `json:"r"`
	Referrer *string         `json:"referrer"`
	P        json.RawMessage `json:"p"`
	Props    json.RawMessage `json:"props"`
	Dollar   json.RawMessage `json:"$"`
	Revenue  json.RawMessage `json:"revenue"`
	H        json.RawMessage `json:"h"`
	W        json.RawMessage `json:"w"`
	SD       json.RawMessage `json:"sd"`
	E        json.RawMessage `json:"e"`
	PF       json.RawMessage `json:"pf"`
}

// Decode parses and validates an event body. Every failure is an
// *InputError.
func Decode(body []byte) (Request, error) {
	if len(body) > MaxBodyBytes {
		return Request{}, invalid("body_too_large", "request body is larger than %d bytes", MaxBodyBytes)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return Request{}, invalid("empty_body", "request body is empty: send a JSON object like {\"n\":\"pageview\",\"u\":\"https://example.com/\",\"d\":\"example.com\"}")
	}
	if !utf8.Valid(body) {
		return Request{}, invalid("invalid_json", "request body is not valid UTF-8")
	}
	var w wire
	if err := json.Unmarshal(body, &w); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return Request{}, invalid("invalid_field", "field %q has the wrong type: expected %s", typeErr.Field, typeErr.Type)
		}
		return Request{}, invalid("invalid_json", "request body is not a JSON object: %v", err)
	}
	r := Request{
		Name:        strings.TrimSpace(first(w.N, w.Name)),
		URL:         strings.TrimSpace(first(w.U, w.URL)),
		Domain:      strings.TrimSpace(first(w.D, w.Domain)),
		Referrer:    strings.TrimSpace(first(w.R, w.Referrer)),
		ScrollDepth: -1,
	}
	switch {
	case r.Name == "":
		return Request{}, invalid("missing_name", "event name (n) is required")
	case utf8.RuneCountInString(r.Name) > maxNameLen:
		return Request{}, invalid("invalid_name", "event name is longer than %d characters", maxNameLen)
	case r.URL == "":
		return Request{}, invalid("missing_url", "page URL (u) is required")
	case len(r.URL) > maxURLLen:
		return Request{}, invalid("invalid_url", "page URL is longer than %d bytes", maxURLLen)
	case r.Domain == "":
		return Request{}, invalid("missing_domain", "site domain (d) is required")
	case len(r.Domain) > maxDomainLen:
		return Request{}, invalid("invalid_domain", "site domain is longer than %d bytes", maxDomainLen)
	}
	if len(r.Referrer) > maxURLLen {
		r.Referrer = "" // an absurd referrer is noise, not a reason to lose the pageview
	}

	var err error
	if r.Props, err = decodeProps(firstRaw(w.P, w.Props)); err != nil {
		return Request{}, err
	}
	if r.Revenue, err = decodeRevenue(firstRaw(w.Dollar, w.Revenue)); err != nil {
		return Request{}, err
	}
	r.HashMode = truthy(w.H)
	if n, ok := number(w.W); ok && n > 0 && n < 100000 {
		r.ScreenWidth = int(n)
	}
	if n, ok := number(w.SD); ok {
		r.ScrollDepth = int(math.Round(math.Max(0, math.Min(100, n))))
	}
	if n, ok := number(w.E); ok {
		r.EngagementMS = int64(math.Round(math.Max(0, math.Min(maxMS, n))))
	}
	r.Perf = decodePerf(w.PF)
	return r, nil
}

func first(a, b *string) string {
	if a != nil {
		return *a
	}
	if b != nil {
		return *b
	}
	return ""
}

func firstRaw(a, b json.RawMessage) json.RawMessage {
	if len(a) > 0 && string(a) != "null" {
		return a
	}
	if string(b) == "null" {
		return nil
	}
	return b
}

// decodeProps accepts an object or, as Plausible's legacy tracker sends
// it, a JSON string holding an object. Scalar values become strings;
// nested values and empty keys are dropped.
func decodeProps(raw json.RawMessage) (map[string]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, invalid("invalid_props", "props must be a JSON object")
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		raw = json.RawMessage(s)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalid("invalid_props", "props must be a JSON object of strings, numbers or booleans")
	}
	if len(m) > maxProps {
		return nil, invalid("too_many_props", "an event may carry at most %d props, got %d", maxProps, len(m))
	}
	props := make(map[string]string, len(m))
	for k, v := range m {
		k = strings.TrimSpace(k)
		if k == "" || len(k) > maxPropKeyLen {
			continue
		}
		s, ok := scalar(v)
		if !ok || s == "" {
			continue
		}
		if len(s) > maxPropValueLen {
			s = truncateUTF8(s, maxPropValueLen)
		}
		props[k] = s
	}
	if len(props) == 0 {
		return nil, nil
	}
	return props, nil
}

func scalar(v json.RawMessage) (string, bool) {
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return strings.TrimSpace(s), true
	case 't', 'f':
		return string(v), string(v) == "true" || string(v) == "false"
	case '{', '[', 'n':
		return "", false
	}
	var n json.Number
	if json.Unmarshal(v, &n) != nil {
		return "", false
	}
	return n.String(), true
}

func decodeRevenue(raw json.RawMessage) (*Revenue, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if raw[0] == '"' { // legacy trackers send the object as a string
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			return nil, invalid("invalid_revenue", "revenue must be an object like {\"amount\":9.99,\"currency\":\"EUR\"}")
		}
		raw = json.RawMessage(s)
	}
	var w struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, invalid("invalid_revenue", "revenue must be an object like {\"amount\":9.99,\"currency\":\"EUR\"}")
	}
	amount, ok := number(w.Amount)
	if !ok || math.IsNaN(amount) || math.IsInf(amount, 0) || math.Abs(amount) >= 1e12 {
		return nil, invalid("invalid_revenue", "revenue amount must be a number (or numeric string) below 10^12")
	}
	cur := strings.ToUpper(strings.TrimSpace(w.Currency))
	if len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return nil, invalid("invalid_revenue", "revenue currency must be a 3-letter ISO 4217 code such as EUR")
	}
	return &Revenue{Amount: amount, Currency: cur}, nil
}

// number reads a JSON number or numeric string.
func number(raw json.RawMessage) (float64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func truthy(raw json.RawMessage) bool {
	n, ok := number(raw)
	return string(raw) == "true" || (ok && n != 0)
}

func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

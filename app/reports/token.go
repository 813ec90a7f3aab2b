package reports

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Tokens sign the links of a report: unsubscribe and chart. A token is
// base64url(payload) "." base64url(HMAC-SHA256(key, purpose|payload))
// truncated to 128 bits: no database row needed, and nothing to guess.
type Tokens struct{ Key []byte }

func (t Tokens) sign(purpose, payload string) string {
	m := hmac.New(sha256.New, t.Key)
	m.Write([]byte(purpose + "|" + payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// ErrBadToken means a link was altered, truncated or signed by another
// key.
var ErrBadToken = errors.New("invalid or altered link")

func (t Tokens) open(purpose, token string) (string, error) {
	enc, _, ok := strings.Cut(token, ".")
	if !ok || len(token) > 512 {
		return "", ErrBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", ErrBadToken
	}
	if !hmac.Equal([]byte(t.sign(purpose, string(raw))), []byte(token)) {
		return "", ErrBadToken
	}
	return string(raw), nil
}

// Unsubscribe is the token of subscription id's unsubscribe link.
func (t Tokens) Unsubscribe(id int64) string {
	return t.sign("unsubscribe", strconv.FormatInt(id, 10))
}

// OpenUnsubscribe returns the subscription id of an unsubscribe token.
func (t Tokens) OpenUnsubscribe(token string) (int64, error) {
	p, err := t.open("unsubscribe", token)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(p, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrBadToken
	}
	return id, nil
}

// Chart is the token of a report chart's image: the site and the period.
func (t Tokens) Chart(siteID int64, p Period) string {
	return t.sign("chart", fmt.Sprintf("%d|%s|%s", siteID, p.Frequency, p.From.Format("2006-01-02")))
}

// OpenChart returns the site, frequency and first day of a chart token.
func (t Tokens) OpenChart(token string) (siteID int64, frequency, from string, err error) {
	p, err := t.open("chart", token)
	if err != nil {
		return 0, "", "", err
	}
	parts := strings.Split(p, "|")
	if len(parts) != 3 {
		return 0, "", "", ErrBadToken
	}
	if siteID, err = strconv.ParseInt(parts[0], 10, 64); err != nil {
		return 0, "", "", ErrBadToken
	}
	return siteID, parts[1], parts[2], nil
}

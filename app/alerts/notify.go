package alerts

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"net/http"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Notification is what one incident's change (or a test) tells a channel.
type Notification struct {
	Event      string // store.DeliveryAlert, DeliveryRecovered or DeliveryTest
	Site       string // the site's domain; "" for operator notifications
	RuleID     int64
	RuleName   string
	RuleKind   string
	Title      string // one line: "Traffic spike on example.com"
	Summary    string // what was measured: "142 current visitors (threshold 100)"
	Value      float64
	Threshold  float64
	IncidentID int64
	StartedAt  time.Time
	ResolvedAt time.Time // zero unless recovered
	URL        string    // where to look: the site's dashboard, the staff jobs view
}

// Email is one message for the mailer: the alerts package renders it, the
// application hands it to app/mail.
type Email struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

// DeliveryLog keeps what was sent.
type DeliveryLog interface {
	AddDelivery(ctx context.Context, d store.Delivery) (store.Delivery, error)
}

// Notifier sends notifications to channels and logs each delivery.
type Notifier struct {
	Log DeliveryLog
	// SendMail queues an email; nil: email channels fail with a clear
	// error.
	SendMail func(ctx context.Context, e Email) error
	HTTP     *http.Client // NewHTTPClient's, with the SSRF guard
	// Attempts per webhook delivery (default 4) and the first backoff
	// (default 1 s, doubling).
	Attempts int
	Backoff  time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// Send delivers note to channel c (retrying webhooks) and records the
// outcome in the delivery log, which it returns.
func (n *Notifier) Send(ctx context.Context, c store.AlertChannel, note Notification) store.Delivery {
	d := store.Delivery{
		SiteID: c.SiteID, ChannelID: c.ID, IncidentID: note.IncidentID, Kind: c.Kind, Event: note.Event,
		Target: c.Target, CreatedAt: n.now(),
	}
	var err error
	switch c.Kind {
	case store.ChannelEmail:
		d.Attempts = 1
		err = n.email(ctx, SplitEmails(c.Target), note)
	case store.ChannelSlack:
		d.Target = RedactURL(c.Target)
		var body []byte
		if body, err = json.Marshal(map[string]string{"text": slackText(note)}); err == nil {
			d.Attempts, d.StatusCode, err = n.post(ctx, c.Target, body, nil)
		}
	case store.ChannelWebhook:
		d.Target = RedactURL(c.Target)
		var body []byte
		if body, err = json.Marshal(webhookBody(note, n.now())); err == nil {
			d.Attempts, d.StatusCode, err = n.post(ctx, c.Target, body, func(h http.Header, at time.Time) {
				h.Set("X-Footfall-Event", note.Event)
				if c.Secret != "" {
					h.Set(SignatureHeader, Sign(c.Secret, at, body))
				}
			})
		}
	default:
		err = fmt.Errorf("unknown channel kind %q", c.Kind)
	}
	d.Status = store.DeliveryOK
	if err != nil {
		d.Status, d.Error = store.DeliveryFailed, err.Error()
		n.logger().Warn("alert delivery failed", "channel", c.ID, "kind", c.Kind, "site", c.SiteID, "attempts", d.Attempts, "err", err)
	}
	if n.Log != nil {
		stored, lerr := n.Log.AddDelivery(context.WithoutCancel(ctx), d)
		if lerr != nil {
			n.logger().Error("logging an alert delivery failed", "err", lerr)
		} else {
			d = stored
		}
	}
	return d
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.Default()
}

// SplitEmails splits an email channel's target into addresses.
func SplitEmails(target string) []string {
	var out []string
	for _, a := range strings.Split(target, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (n *Notifier) email(ctx context.Context, to []string, note Notification) error {
	if n.SendMail == nil {
		return fmt.Errorf("email is not configured on this server")
	}
	e, err := RenderEmail(note)
	if err != nil {
		return err
	}
	e.To = to
	return n.SendMail(ctx, e)
}

//go:embed templates/*
var templateFiles embed.FS

var (
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(htmltemplate.FuncMap{"when": when}).ParseFS(templateFiles, "templates/*.html"))
	textTemplates = texttemplate.Must(texttemplate.New("").Funcs(texttemplate.FuncMap{"when": when}).ParseFS(templateFiles, "templates/*.txt"))
)

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// RenderEmail renders note as an email (subject, text and HTML parts).
func RenderEmail(note Notification) (Email, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, "alert.txt", note); err != nil {
		return Email{}, fmt.Errorf("alerts: render text: %w", err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, "alert.html", note); err != nil {
		return Email{}, fmt.Errorf("alerts: render html: %w", err)
	}
	return Email{Subject: subject(note), Text: text.String(), HTML: html.String()}, nil
}

func subject(note Notification) string {
	switch note.Event {
	case store.DeliveryRecovered:
		return "[Footfall] Resolved: " + note.Title
	case store.DeliveryTest:
		return "[Footfall] Test notification"
	}
	return "[Footfall] " + note.Title
}

// slackText is the message posted to a Slack incoming webhook (mrkdwn).
func slackText(note Notification) string {
	var b strings.Builder
	switch note.Event {
	case store.DeliveryRecovered:
		b.WriteString(":white_check_mark: *Resolved:* ")
	case store.DeliveryTest:
		b.WriteString(":wave: ")
	default:
		b.WriteString(":rotating_light: ")
	}
	b.WriteString(slackEscape(note.Title))
	if note.Summary != "" {
		b.WriteString("\n" + slackEscape(note.Summary))
	}
	if note.URL != "" {
		b.WriteString("\n<" + note.URL + "|Open Footfall>")
	}
	return b.String()
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// WebhookPayload is the JSON body of a generic webhook request.
type WebhookPayload struct {
	Event      string     `json:"event"` // alert, recovered or test
	Site       string     `json:"site,omitempty"`
	Rule       *RuleRef   `json:"rule,omitempty"`
	Title      string     `json:"title"`
	Summary    string     `json:"summary"`
	Value      float64    `json:"value"`
	Threshold  float64    `json:"threshold"`
	IncidentID int64      `json:"incident_id,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	URL        string     `json:"url,omitempty"`
	SentAt     time.Time  `json:"sent_at"`
}

// RuleRef names the rule of a webhook payload.
type RuleRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func webhookBody(note Notification, now time.Time) WebhookPayload {
	p := WebhookPayload{Event: note.Event, Site: note.Site, Title: note.Title, Summary: note.Summary, Value: note.Value,
		Threshold: note.Threshold, IncidentID: note.IncidentID, URL: note.URL, SentAt: now.UTC().Truncate(time.Second)}
	if note.RuleKind != "" {
		p.Rule = &RuleRef{ID: note.RuleID, Name: note.RuleName, Kind: note.RuleKind}
	}
	if !note.StartedAt.IsZero() {
		t := note.StartedAt.UTC()
		p.StartedAt = &t
	}
	if !note.ResolvedAt.IsZero() {
		t := note.ResolvedAt.UTC()
		p.ResolvedAt = &t
	}
	return p
}

package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/mail/mailtest"
)

func TestSMTPDelivers(t *testing.T) {
	srv := mailtest.Start(t)
	tr, from, err := mail.NewTransport(mail.Options{SMTPURL: srv.URL(), From: "Footfall <noreply@stats.example.test>"})
	if err != nil {
		t.Fatal(err)
	}
	m := mail.Message{
		To:      []string{"Ann Example <ann@example.test>", "bob@example.test"},
		Subject: "Grüße: your report",
		Text:    "Hello Ann,\nvisit https://stats.example.test/verify?token=abc\n",
		HTML:    "<p>Hello Ann, <a href=\"https://stats.example.test/verify?token=abc\">verify</a></p>\n",
		Kind:    "report",
	}
	if err := (mail.Direct{Transport: tr, From: from}).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Wait(t, 1)[0]
	if got.From != "noreply@stats.example.test" {
		t.Errorf("From = %q", got.From)
	}
	if strings.Join(got.To, ",") != "ann@example.test,bob@example.test" {
		t.Errorf("To = %v", got.To)
	}
	if got.Subject != m.Subject || got.Text != m.Text || got.HTML != m.HTML {
		t.Errorf("got subject %q text %q html %q, want %q %q %q", got.Subject, got.Text, got.HTML, m.Subject, m.Text, m.HTML)
	}
	if k := got.Headers.Get("X-Footfall-Kind"); k != "report" {
		t.Errorf("X-Footfall-Kind = %q", k)
	}
	if a := got.Headers.Get("Auto-Submitted"); a != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", a)
	}
	if got.Headers.Get("Message-Id") == "" {
		t.Error("no Message-ID")
	}
}

func TestSMTPTextOnly(t *testing.T) {
	srv := mailtest.Start(t)
	tr, from, _ := mail.NewTransport(mail.Options{SMTPURL: srv.URL(), BaseURL: "https://stats.example.test"})
	if from != "Footfall <footfall@stats.example.test>" {
		t.Errorf("default sender = %q", from)
	}
	m := mail.Message{To: []string{"ann@example.test"}, Subject: "Hi", Text: "plain only", Kind: "alert"}
	if err := (mail.Direct{Transport: tr, From: from}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1)[0]
	if strings.TrimSpace(got.Text) != "plain only" || got.HTML != "" {
		t.Errorf("got text %q html %q", got.Text, got.HTML)
	}
}

func TestSMTPAuth(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Username, srv.Password = "mailer", "s3cret/pass"
	m := mail.Message{To: []string{"ann@example.test"}, Subject: "Hi", Text: "x"}

	tr, from, err := mail.NewTransport(mail.Options{SMTPURL: "smtp://mailer:s3cret%2Fpass@" + srv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Deliver(context.Background(), from, m); err != nil {
		t.Fatalf("Deliver with credentials: %v", err)
	}
	if got := srv.Wait(t, 1)[0]; got.User != "mailer" {
		t.Errorf("authenticated as %q", got.User)
	}
	tr, from, _ = mail.NewTransport(mail.Options{SMTPURL: "smtp://mailer:wrong@" + srv.Addr()})
	if err := tr.Deliver(context.Background(), from, m); err == nil {
		t.Error("Deliver with a wrong password succeeded")
	}
	tr, from, _ = mail.NewTransport(mail.Options{SMTPURL: "smtp://" + srv.Addr()})
	if err := tr.Deliver(context.Background(), from, m); err == nil {
		t.Error("Deliver without credentials succeeded")
	}
}

func TestSMTPDown(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Stop()
	tr, from, _ := mail.NewTransport(mail.Options{SMTPURL: srv.URL()})
	m := mail.Message{To: []string{"ann@example.test"}, Subject: "Hi", Text: "x"}
	if err := tr.Deliver(context.Background(), from, m); err == nil {
		t.Fatal("Deliver to a stopped server succeeded")
	}
	srv.Restart(t)
	if err := tr.Deliver(context.Background(), from, m); err != nil {
		t.Fatalf("Deliver after Restart: %v", err)
	}
	srv.Wait(t, 1)
}

// A remote server that offers no STARTTLS is refused by default: the
// credentials and the mail would cross the network in clear.
func TestSMTPRequiresTLSForRemote(t *testing.T) {
	srv := mailtest.Start(t)
	_, port, _ := strings.Cut(srv.Addr(), ":")
	cfg, err := mail.ParseSMTPURL("smtp://mail.example.test:" + port)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS != "required" {
		t.Fatalf("TLS policy for a remote host = %q, want required", cfg.TLS)
	}
	// Same server, reached by loopback address but held to the remote policy.
	cfg.Host = "127.0.0.1"
	tr := mail.NewSMTP(cfg, "")
	m := mail.Message{To: []string{"ann@example.test"}, Subject: "Hi", Text: "x"}
	if err := tr.Deliver(context.Background(), "a@example.test", m); err == nil {
		t.Fatal("Deliver without STARTTLS succeeded under tls=required")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages arrived", n)
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want mail.SMTPConfig
		err  string
	}{
		{url: "smtp://user:pa%40ss@mail.example.test:587", want: mail.SMTPConfig{Host: "mail.example.test", Port: 587, Username: "user", Password: "pa@ss", TLS: "required"}},
		{url: "smtp://mail.example.test", want: mail.SMTPConfig{Host: "mail.example.test", Port: 587, TLS: "required"}},
		{url: "smtps://u:p@mail.example.test", want: mail.SMTPConfig{Host: "mail.example.test", Port: 465, Username: "u", Password: "p", Implicit: true}},
		{url: "smtp://localhost:1025", want: mail.SMTPConfig{Host: "localhost", Port: 1025, TLS: "opportunistic"}},
		{url: "smtp://[::1]:25", want: mail.SMTPConfig{Host: "::1", Port: 25, TLS: "opportunistic"}},
		{url: "smtp://mailpit:1025?tls=none", want: mail.SMTPConfig{Host: "mailpit", Port: 1025, TLS: "none"}},
		{url: "smtp://relay:25?tls=opportunistic", want: mail.SMTPConfig{Host: "relay", Port: 25, TLS: "opportunistic"}},
		{url: "http://mail.example.test", err: "must start with"},
		{url: "smtp://:25", err: "no host"},
		{url: "smtp://host:99999", err: "bad port"},
		{url: "smtp://host?tls=maybe", err: "must be required"},
		{url: "smtps://host?tls=none", err: "smtp:// only"},
		{url: "smtp://host?foo=1", err: "unknown parameter"},
		{url: "smtp://u:p%zz@host", err: "FOOTFALL_SMTP_URL"},
	} {
		got, err := mail.ParseSMTPURL(tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSMTPURL(%q) error = %v, want %q", tc.url, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "p%zz") {
				t.Errorf("ParseSMTPURL(%q) error shows the password: %v", tc.url, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tc.url, got, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := mail.Message{To: []string{"a@example.test"}, Subject: "s", Text: "t"}
	for name, mod := range map[string]func(*mail.Message){
		"no recipient":   func(m *mail.Message) { m.To = nil },
		"bad recipient":  func(m *mail.Message) { m.To = []string{"nobody"} },
		"injected rcpt":  func(m *mail.Message) { m.To = []string{"a@example.test\r\nBcc: x@evil.test"} },
		"no subject":     func(m *mail.Message) { m.Subject = " " },
		"subject lines":  func(m *mail.Message) { m.Subject = "a\r\nBcc: x@evil.test" },
		"no text":        func(m *mail.Message) { m.Text = "" },
		"huge text":      func(m *mail.Message) { m.Text = strings.Repeat("x", 2<<20) },
		"many addresses": func(m *mail.Message) { m.To = make([]string, 51) },
	} {
		m := ok
		mod(&m)
		if err := m.Validate(); !errors.Is(err, mail.ErrInvalid) {
			t.Errorf("%s: Validate() = %v, want ErrInvalid", name, err)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v", ok, err)
	}
}

func TestLogTransport(t *testing.T) {
	var buf bytes.Buffer
	tr, from, err := mail.NewTransport(mail.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	m := mail.Message{To: []string{"ann@example.test"}, Subject: "Verify", Text: "open http://localhost:8000/verify?token=abc", Kind: "security"}
	if err := (mail.Direct{Transport: tr, From: from}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ann@example.test", "Verify", "http://localhost:8000/verify?token=abc", "kind=security"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %q lacks %q", buf.String(), want)
		}
	}
}

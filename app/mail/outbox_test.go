package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/mail/mailtest"
	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/sqlite"
)

// clock is a settable time for the outbox.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type outboxTest struct {
	db    *sqlite.Store
	srv   *mailtest.Server
	reg   *prometheus.Registry
	clock *clock
}

func newOutboxTest(t *testing.T) *outboxTest {
	t.Helper()
	db, err := sqlite.Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return &outboxTest{db: db, srv: mailtest.Start(t), reg: prometheus.NewRegistry(),
		clock: &clock{t: time.Now().Truncate(time.Millisecond)}}
}

// outbox is one process's outbox over the shared database and server.
func (ot *outboxTest) outbox(t *testing.T, reg prometheus.Registerer) *mail.Outbox {
	t.Helper()
	tr, from, err := mail.NewTransport(mail.Options{SMTPURL: ot.srv.URL(), From: "footfall@stats.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	o := mail.NewOutbox(ot.db, tr, from, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	o.Now = ot.clock.Now
	return o
}

var hello = mail.Message{To: []string{"ann@example.test"}, Subject: "Hello", Text: "Hi Ann", HTML: "<p>Hi Ann</p>", Kind: "security"}

func TestOutboxDelivers(t *testing.T) {
	ot := newOutboxTest(t)
	o := ot.outbox(t, ot.reg)
	if err := o.Send(t.Context(), hello); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := ot.srv.Wait(t, 1)[0]
	if got.Subject != "Hello" || strings.TrimSpace(got.Text) != "Hi Ann" || got.To[0] != "ann@example.test" {
		t.Errorf("received %+v", got)
	}
	o.Wait()
	counts, _ := ot.db.CountMail(t.Context())
	if counts[store.MailSent] != 1 || counts[store.MailQueued] != 0 {
		t.Errorf("outbox counts = %v, want one sent", counts)
	}
	if q, s := sum(t, ot.reg, "footfall_mail_queued_total"), sum(t, ot.reg, "footfall_mail_sent_total"); q != 1 || s != 1 {
		t.Errorf("metrics queued %v sent %v, want 1 and 1", q, s)
	}
	// Nothing is due any more.
	if n, err := o.Retry(t.Context()); n != 0 || err != nil {
		t.Errorf("Retry = %d, %v; want 0", n, err)
	}
	if n := len(ot.srv.Messages()); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
}

// A mail outage loses nothing: the server is down when the mail is sent,
// the process restarts, the server comes back, the retry job delivers.
func TestOutboxSurvivesOutage(t *testing.T) {
	ot := newOutboxTest(t)
	ot.srv.Stop()
	first := ot.outbox(t, ot.reg)
	if err := first.Send(t.Context(), hello); err != nil {
		t.Fatalf("Send while the server is down: %v", err)
	}
	first.Wait()
	if n, _ := first.Retry(t.Context()); n != 0 {
		t.Fatalf("Retry before the backoff delivered %d", n)
	}
	counts, _ := ot.db.CountMail(t.Context())
	if counts[store.MailQueued] != 1 {
		t.Fatalf("outbox counts = %v, want one queued", counts)
	}
	if f := sum(t, ot.reg, "footfall_mail_failed_total"); f != 1 {
		t.Errorf("footfall_mail_failed_total = %v, want 1", f)
	}

	// A new process (same database), the server back, the backoff over.
	ot.srv.Restart(t)
	second := ot.outbox(t, nil)
	ot.clock.Add(59 * time.Second)
	if n, _ := second.Retry(t.Context()); n != 0 {
		t.Fatalf("Retry before the first backoff (1 min) ended delivered %d", n)
	}
	ot.clock.Add(2 * time.Second)
	if n, err := second.Retry(t.Context()); n != 1 || err != nil {
		t.Fatalf("Retry after the outage = %d, %v; want 1", n, err)
	}
	got := ot.srv.Wait(t, 1)
	if len(got) != 1 || got[0].Subject != "Hello" || got[0].HTML != "<p>Hi Ann</p>" {
		t.Errorf("received %+v", got)
	}
	counts, _ = ot.db.CountMail(t.Context())
	if counts[store.MailSent] != 1 || counts[store.MailQueued] != 0 {
		t.Errorf("outbox counts = %v, want one sent", counts)
	}
}

// After MaxAttempts failures the message is given up: kept, flagged, no
// longer tried.
func TestOutboxGivesUp(t *testing.T) {
	ot := newOutboxTest(t)
	ot.srv.Stop()
	o := ot.outbox(t, ot.reg)
	o.MaxAttempts = 3
	if err := o.Send(t.Context(), hello); err != nil {
		t.Fatal(err)
	}
	o.Wait()
	for range 5 {
		ot.clock.Add(7 * time.Hour)
		if _, err := o.Retry(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	counts, _ := ot.db.CountMail(t.Context())
	if counts[store.MailFailed] != 1 || counts[store.MailQueued] != 0 {
		t.Fatalf("outbox counts = %v, want one given up", counts)
	}
	if f, g := sum(t, ot.reg, "footfall_mail_failed_total"), sum(t, ot.reg, "footfall_mail_given_up_total"); f != 3 || g != 1 {
		t.Errorf("failed %v given up %v, want 3 and 1", f, g)
	}
	m, err := ot.db.OutboxMail(t.Context(), 1)
	if err != nil || m.Attempts != 3 || m.FailedAt.IsZero() || m.LastError == "" {
		t.Errorf("given-up message = %+v, %v", m, err)
	}
}

// The backoff doubles from a minute: 1, 2, 4 … minutes after failures.
func TestOutboxBackoff(t *testing.T) {
	ot := newOutboxTest(t)
	ot.srv.Stop()
	o := ot.outbox(t, nil)
	if err := o.Send(t.Context(), hello); err != nil {
		t.Fatal(err)
	}
	o.Wait()
	for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute} {
		m, _ := ot.db.OutboxMail(t.Context(), 1)
		if got := m.NextAttemptAt.Sub(ot.clock.Now()); got != wait {
			t.Errorf("after failure %d: next attempt in %v, want %v", i+1, got, wait)
		}
		ot.clock.Add(wait)
		if _, err := o.Retry(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOutboxRefusesInvalid(t *testing.T) {
	ot := newOutboxTest(t)
	o := ot.outbox(t, nil)
	bad := hello
	bad.To = []string{"not an address"}
	if err := o.Send(context.Background(), bad); !errors.Is(err, mail.ErrInvalid) {
		t.Errorf("Send(bad recipient) = %v, want ErrInvalid", err)
	}
	if counts, _ := ot.db.CountMail(t.Context()); counts[store.MailQueued] != 0 {
		t.Errorf("an invalid message was queued: %v", counts)
	}
}

// sum adds a counter family up across its labels.
func sum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// Package mailtest runs a real SMTP server in the test process (go-smtp on
// 127.0.0.1), so tests send mail the way production does and assert on
// what arrived: sender, recipients, subject, text and HTML parts, headers.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the server got it, MIME decoded.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO)
	Subject string   // decoded
	Text    string   // the text/plain part, decoded
	HTML    string   // the text/html part, decoded ("" when none)
	Headers mail.Header
	Raw     []byte
	// User is who authenticated for this message ("" when no AUTH).
	User string
}

// Server is an in-process SMTP server. It accepts every message (and, when
// Username is set, requires AUTH PLAIN with Username and Password first).
type Server struct {
	Username, Password string

	addr string
	srv  *smtp.Server
	ln   net.Listener

	mu       sync.Mutex
	messages []Received
	arrived  chan struct{} // closed and replaced on each message
}

// Start runs a server on 127.0.0.1 at a random port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailtest.localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = quietLog{}
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with Stop
}

// URL is the server as FOOTFALL_SMTP_URL (smtp://127.0.0.1:PORT, with the
// credentials when Username is set).
func (s *Server) URL() string {
	if s.Username != "" {
		return "smtp://" + s.Username + ":" + s.Password + "@" + s.addr
	}
	return "smtp://" + s.addr
}

// Addr is host:port.
func (s *Server) Addr() string { return s.addr }

// Stop closes the listener and open connections: the server is down
// (connections are refused) until Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// The listener first: Serve may not have registered it yet.
		ln.Close()
		srv.Close()
	}
}

// Restart listens again on the same address after Stop, keeping the
// messages received so far.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatalf("mailtest: listen again on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// Messages returns what arrived so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// Wait waits up to five seconds for at least n messages and returns all of
// them; it fails the test when they do not come.
func (s *Server) Wait(t testing.TB, n int) []Received {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.messages), s.arrived
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("mailtest: %d messages after 5s, want %d", got, n)
			return nil
		}
	}
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	s.messages = append(s.messages, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s}, nil
}

type session struct {
	s    *Server
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if ss.s.Username != "" && (username != ss.s.Username || password != ss.s.Password) {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	got, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "mailtest: " + err.Error()}
	}
	got.From, got.To, got.User = ss.from, append([]string(nil), ss.to...), ss.user
	ss.s.add(got)
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// Parse decodes a whole message: headers, the subject's encoded words, and
// the text and HTML parts through any nesting of multiparts and transfer
// encodings. Envelope fields are left empty.
func Parse(raw []byte) (Received, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, fmt.Errorf("read message: %w", err)
	}
	r := Received{Headers: m.Header, Raw: raw}
	dec := new(mime.WordDecoder)
	if r.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	if err := r.walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, 0); err != nil {
		return Received{}, err
	}
	return r, nil
}

func (r *Received) walk(contentType, encoding string, body io.Reader, depth int) error {
	if depth > 5 {
		return errors.New("multipart nested too deep")
	}
	if contentType == "" {
		contentType = "text/plain"
	}
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := r.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks itself
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", media, err)
	}
	switch media {
	case "text/plain":
		if r.Text == "" {
			r.Text = normalise(b)
		}
	case "text/html":
		if r.HTML == "" {
			r.HTML = normalise(b)
		}
	}
	return nil
}

// normalise turns CRLF line ends into LF, as the sender wrote them.
func normalise(b []byte) string {
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// quietLog drops go-smtp's connection errors (clients hanging up).
type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

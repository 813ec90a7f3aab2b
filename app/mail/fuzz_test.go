package mail_test

import (
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/mail"
	"github.com/footfallhq/footfall/app/mail/mailtest"
)

// FuzzParseSMTPURL: any string is a config or an error, never a panic,
// and an error never repeats a password.
func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://u:p@host:587", "smtps://host", "smtp://localhost:25?tls=none", "smtp://[::1]:2525", "smtp://u:p%zz@h", "http://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := mail.ParseSMTPURL(raw)
		if err != nil {
			if strings.Contains(raw, "secretpw") && strings.Contains(err.Error(), "secretpw") {
				t.Errorf("ParseSMTPURL(%q) error shows the password: %v", raw, err)
			}
			return
		}
		if c.Host == "" || c.Port < 1 || c.Port > 65535 {
			t.Errorf("ParseSMTPURL(%q) = %+v without error", raw, c)
		}
	})
}

// FuzzParseMessage: the test server's MIME parser takes any bytes.
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte("Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain\r\n\r\nhello\r\n"))
	f.Add([]byte("Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhi=\r\n there\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+aGk8L3A+\r\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = mailtest.Parse(raw)
	})
}

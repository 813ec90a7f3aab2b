package mail_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/mail"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// templateData is one fixed example per template.
var templateData = map[string]map[string]any{
	"announcement": {"Subject": "Scheduled maintenance on Sunday", "Paragraphs": []string{
		"We will upgrade the database on Sunday, 1 March 2026, from 02:00 to 02:30 UTC.", "Tracking continues; dashboards may be slow <b>for a while</b>."}},
	"verify_email":   {"Email": "ann@example.test", "Link": "https://stats.example.test/api/auth/verify?token=TOKEN", "Expires": "48 hours"},
	"password_reset": {"Email": "ann@example.test", "Link": "https://stats.example.test/reset-password?token=TOKEN", "Expires": "1 hour"},
	"security": {"Title": "New sign-in to your Footfall account", "Summary": "Your account ann@example.test was signed in to from a new device.",
		"Time": "Sunday, 1 March 2026 12:00 UTC", "Device": "Firefox on Linux", "Location": "Berlin, DE <b>", "Link": "https://stats.example.test/settings"},
}

// TestTemplatesGolden renders every template and compares it with its
// golden files; go test ./app/mail -run Golden -update rewrites them.
func TestTemplatesGolden(t *testing.T) {
	names := mail.TemplateNames()
	slices.Sort(names)
	for _, name := range names {
		data, ok := templateData[name]
		if !ok {
			t.Errorf("template %s has no example data in templateData", name)
			continue
		}
		m, err := mail.Render(name, "https://stats.example.test", data)
		if err != nil {
			t.Errorf("Render(%s): %v", name, err)
			continue
		}
		if m.Subject == "" || m.Text == "" || m.HTML == "" || m.Kind == "" {
			t.Errorf("Render(%s) = %+v: empty subject, part or kind", name, m)
		}
		for ext, got := range map[string]string{"txt": "Subject: " + m.Subject + "\n\n" + m.Text, "html": m.HTML} {
			path := filepath.Join("testdata", "golden", name+"."+ext)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%v (run with -update)", err)
				continue
			}
			if got != string(want) {
				t.Errorf("Render(%s) %s differs from %s (run with -update if intended):\n%s", name, ext, path, got)
			}
		}
	}
}

// Values are escaped in HTML and kept as they are in text.
func TestTemplatesEscape(t *testing.T) {
	m, err := mail.Render("security", "https://stats.example.test", templateData["security"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, "Berlin, DE &lt;b&gt;") || !strings.Contains(m.Text, "Berlin, DE <b>") {
		t.Errorf("location not escaped in HTML or altered in text:\n%s\n%s", m.HTML, m.Text)
	}
	if _, err := mail.Render("security", "", map[string]any{}); err == nil {
		t.Error("Render with missing fields succeeded")
	}
	if _, err := mail.Render("nope", "", nil); err == nil {
		t.Error("Render(unknown) succeeded")
	}
}

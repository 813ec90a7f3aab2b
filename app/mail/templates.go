package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// templateFS holds one text and one HTML template per mail, and the
// layouts they share. The text file also defines "subject".
//
//go:embed templates/*.tmpl
var templateFS embed.FS

// Templates and the kind (for logs and metrics) of the mail each makes.
var templateKinds = map[string]string{
	"verify_email":   "account",
	"password_reset": "security",
	"security":       "security",
	"announcement":   "announcement", // staff mail to all users or a segment
}

// TemplateNames lists the mails Render knows.
func TemplateNames() []string {
	names := make([]string, 0, len(templateKinds))
	for n := range templateKinds {
		names = append(names, n)
	}
	return names
}

// Render fills mail template name with data (BaseURL is added: the
// layout links to it) and returns the message without recipients. Values
// are escaped for HTML in the HTML part and left as they are in the text.
func Render(name, baseURL string, data map[string]any) (Message, error) {
	kind, ok := templateKinds[name]
	if !ok {
		return Message{}, fmt.Errorf("mail: no template %q", name)
	}
	view := map[string]any{"BaseURL": baseURL}
	for k, v := range data {
		view[k] = v
	}
	text, err := texttemplate.New(name).Option("missingkey=error").ParseFS(templateFS, "templates/layout.txt.tmpl", "templates/"+name+".txt.tmpl")
	if err != nil {
		return Message{}, fmt.Errorf("mail: parse %s text: %w", name, err)
	}
	html, err := htmltemplate.New(name).Option("missingkey=error").ParseFS(templateFS, "templates/layout.html.tmpl", "templates/"+name+".html.tmpl")
	if err != nil {
		return Message{}, fmt.Errorf("mail: parse %s html: %w", name, err)
	}
	var subject, body, htmlBody bytes.Buffer
	if err := text.ExecuteTemplate(&subject, "subject", view); err != nil {
		return Message{}, fmt.Errorf("mail: %s subject: %w", name, err)
	}
	if err := text.ExecuteTemplate(&body, "layout", view); err != nil {
		return Message{}, fmt.Errorf("mail: %s text: %w", name, err)
	}
	if err := html.ExecuteTemplate(&htmlBody, "layout", view); err != nil {
		return Message{}, fmt.Errorf("mail: %s html: %w", name, err)
	}
	return Message{
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimLeft(body.String(), "\n"),
		HTML:    htmlBody.String(),
		Kind:    kind,
	}, nil
}

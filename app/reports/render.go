package reports

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
)

//go:embed templates/*
var templateFiles embed.FS

type section struct {
	Title string
	Rows  []Row
}

var (
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(htmltemplate.FuncMap{
		"section": func(title string, rows []Row) section { return section{title, rows} },
	}).ParseFS(templateFiles, "templates/*.html"))
	textTemplates = texttemplate.Must(texttemplate.New("").ParseFS(templateFiles, "templates/*.txt"))
)

// Rendered is an email's subject and parts.
type Rendered struct {
	Subject, Text, HTML string
}

func render(name string, data any) (Rendered, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return Rendered{}, fmt.Errorf("reports: render %s.txt: %w", name, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html", data); err != nil {
		return Rendered{}, fmt.Errorf("reports: render %s.html: %w", name, err)
	}
	return Rendered{Text: text.String(), HTML: html.String()}, nil
}

// Render renders a site report.
func Render(r Report) (Rendered, error) {
	out, err := render("report", r)
	out.Subject = fmt.Sprintf("%s: your %s report for %s", r.Site, r.Period.Frequency, r.Period.Label())
	return out, err
}

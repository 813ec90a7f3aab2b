package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// uiHandler serves the dashboard: the page shell for every UI route and
// the built script and stylesheet under /ui/, as `go generate
// ./ui/dashboard` wrote them into assets/ui/.
type uiHandler struct {
	fs      fs.FS
	baseURL string
	echo    *echo.Echo // to tell a wrong method from a missing page

	once  sync.Once
	page  []byte             // the shell, rendered once
	files map[string]*uiFile // by hashed name
	err   error
}

type uiFile struct {
	body, gzipped []byte
	contentType   string
}

// uiManifest is assets/ui/manifest.json (ui/dashboard.Manifest).
type uiManifest struct {
	JS  string `json:"js"`
	CSS string `json:"css"`
}

func (u *uiHandler) load() error {
	u.once.Do(func() { u.err = u.read() })
	return u.err
}

func (u *uiHandler) read() error {
	raw, err := fs.ReadFile(u.fs, "ui/manifest.json")
	if err != nil {
		return fmt.Errorf("dashboard build missing (run go generate ./ui/dashboard): %w", err)
	}
	var m uiManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("ui/manifest.json: %w", err)
	}
	u.files = map[string]*uiFile{}
	for name, ct := range map[string]string{m.JS: "application/javascript; charset=utf-8", m.CSS: "text/css; charset=utf-8"} {
		body, err := fs.ReadFile(u.fs, "ui/"+name)
		if err != nil {
			return err
		}
		gz, err := gzipBest(body)
		if err != nil {
			return err
		}
		u.files[name] = &uiFile{body: body, gzipped: gz, contentType: ct}
	}
	tmpl, err := template.ParseFS(u.fs, "index.html")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, map[string]string{"BaseURL": u.baseURL, "JS": m.JS, "CSS": m.CSS}); err != nil {
		return err
	}
	u.page = buf.Bytes()
	return nil
}

// reserved are first path segments that are never a site's dashboard:
// other routes' prefixes, and files browsers and crawlers ask for on
// their own, which should get a 404 rather than the page.
var reserved = map[string]bool{
	"api": true, "share": true, "js": true, "ui": true, "webhooks": true, "metrics": true, "debug": true,
	"favicon.ico": true, "robots.txt": true, "apple-touch-icon.png": true, "apple-touch-icon-precomposed.png": true,
}

// shell answers the UI routes with the page that loads the dashboard,
// which then routes in the browser. It is never cached: it names the
// current build's files.
func (u *uiHandler) shell(c echo.Context) error {
	if err := u.load(); err != nil {
		return err
	}
	if d := c.Param("domain"); reserved[d] || strings.HasPrefix(d, ".") || strings.Contains(d, "/") {
		return u.notUI(c)
	}
	return u.servePage(c)
}

// servePage answers with the page that loads the dashboard.
func (u *uiHandler) servePage(c echo.Context) error {
	if err := u.load(); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.HTMLBlob(http.StatusOK, u.page)
}

// notUI answers a GET that echo's router handed to /:domain for want of
// a better match (its last parameter takes the rest of the path): 405
// where the path is a route for other methods, as before the UI routes
// existed, else 404.
func (u *uiHandler) notUI(c echo.Context) error {
	path := c.Request().URL.Path
	for _, r := range u.echo.Routes() {
		if r.Path == path {
			return echo.ErrMethodNotAllowed
		}
	}
	return echo.ErrNotFound
}

// asset serves a built file by its hashed name, cached for good: a new
// build has new names.
func (u *uiHandler) asset(c echo.Context) error {
	if err := u.load(); err != nil {
		return err
	}
	f, ok := u.files[c.Param("file")]
	if !ok {
		return apiError(http.StatusNotFound, "not_found", "no such file in this build of the dashboard")
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Add("Vary", "Accept-Encoding")
	body := f.body
	if acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = f.gzipped
	}
	return c.Blob(http.StatusOK, f.contentType, body)
}

func gzipBest(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

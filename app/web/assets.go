package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

type assetHandler struct {
	fs      fs.FS
	baseURL string

	once       sync.Once
	script     []byte
	scriptHash string // first hex digits of the script's SHA-256
	homePage   *template.Template
	err        error
}

func (a *assetHandler) load() error {
	a.once.Do(func() {
		a.script, a.err = fs.ReadFile(a.fs, "js/script.js")
		if a.err != nil {
			return
		}
		sum := sha256.Sum256(a.script)
		a.scriptHash = hex.EncodeToString(sum[:])[:12]
		a.homePage, a.err = template.ParseFS(a.fs, "index.html")
	})
	return a.err
}

// tracker serves the stable URL with a short cache, so a new release
// reaches sites within the hour.
func (a *assetHandler) tracker(c echo.Context) error {
	if err := a.load(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("ETag", `"`+a.scriptHash+`"`)
	if c.Request().Header.Get("If-None-Match") == `"`+a.scriptHash+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "application/javascript; charset=utf-8", a.script)
}

// hashedTracker serves /js/script.<hash>.js, immutable: the URL changes
// whenever the content does.
func (a *assetHandler) hashedTracker(c echo.Context) error {
	if err := a.load(); err != nil {
		return err
	}
	if c.Param("file") != "script."+a.scriptHash+".js" {
		return apiError(http.StatusNotFound, "not_found", "no such script (the tracker is at /js/script.js)")
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Access-Control-Allow-Origin", "*")
	return c.Blob(http.StatusOK, "application/javascript; charset=utf-8", a.script)
}

// home is the start page: how to add the tracker and query the API.
func (a *assetHandler) home(c echo.Context) error {
	if err := a.load(); err != nil {
		return err
	}
	var buf bytes.Buffer
	err := a.homePage.Execute(&buf, map[string]string{
		"BaseURL":    a.baseURL,
		"HashedPath": "/js/script." + a.scriptHash + ".js",
	})
	if err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

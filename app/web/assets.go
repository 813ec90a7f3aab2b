package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

type assetHandler struct {
	fs fs.FS

	once    sync.Once
	scripts map[string]*script // by stable name: "script.js", "script.core.js"
	hashed  map[string]*script // by hashed name: "script.<hash>.js", "script.core.<hash>.js"
	err     error
}

// script is one built tracker variant, with its gzip -9 form: most
// browsers take that, and it is what the size budgets are measured on.
type script struct {
	body, gzipped []byte
	etag          string // quoted first hex digits of the SHA-256
	hashedName    string
}

// trackerVariants are the files `go generate ./ui/tracker` builds.
var trackerVariants = []string{"script.js", "script.core.js"}

func (a *assetHandler) load() error {
	a.once.Do(func() {
		a.scripts, a.hashed = map[string]*script{}, map[string]*script{}
		for _, name := range trackerVariants {
			body, err := fs.ReadFile(a.fs, "js/"+name)
			if err != nil {
				a.err = err
				return
			}
			sum := sha256.Sum256(body)
			hash := hex.EncodeToString(sum[:])[:12]
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
			zw.Write(body)
			if a.err = zw.Close(); a.err != nil {
				return
			}
			s := &script{body: body, gzipped: gz.Bytes(), etag: `"` + hash + `"`,
				hashedName: strings.TrimSuffix(name, ".js") + "." + hash + ".js"}
			a.scripts[name], a.hashed[s.hashedName] = s, s
		}
	})
	return a.err
}

// tracker serves /js/script.js and /js/script.core.js with a short cache,
// so a new release reaches sites within the hour, and their hashed copies
// /js/script.<hash>.js, /js/script.core.<hash>.js as immutable: the URL
// changes whenever the content does.
func (a *assetHandler) tracker(c echo.Context) error {
	if err := a.load(); err != nil {
		return err
	}
	name := c.Param("file")
	if c.Path() == "/js/script.js" {
		name = "script.js"
	}
	h := c.Response().Header()
	s, ok := a.scripts[name]
	switch {
	case ok:
		h.Set("Cache-Control", "public, max-age=3600")
	case a.hashed[name] != nil:
		s = a.hashed[name]
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		return apiError(http.StatusNotFound, "not_found", "no such script (the trackers are /js/script.js and /js/script.core.js)")
	}
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("ETag", s.etag)
	h.Add("Vary", "Accept-Encoding")
	if c.Request().Header.Get("If-None-Match") == s.etag {
		return c.NoContent(http.StatusNotModified)
	}
	body := s.body
	if acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = s.gzipped
	}
	return c.Blob(http.StatusOK, "application/javascript; charset=utf-8", body)
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// Package dashboard holds the source of Footfall's web interface
// (TypeScript + Preact in src/, charts by uPlot) and the build that
// bundles it into assets/ui/: one script and one stylesheet with content
// hashes in their names, and manifest.json naming them for the server.
//
// The bundler is esbuild's Go API at the version go.mod pins, so the
// build is `npm ci` (Preact, uPlot and TypeScript, pinned by the
// lockfile) then `go generate ./ui/dashboard`. The output is committed so
// that `go build` needs nothing else; a test rebuilds it and fails if the
// committed files differ.
package dashboard

//go:generate go run ./cmd/worldmap
//go:generate go run ./cmd/uibuild

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Manifest names the built files, relative to assets/ui/.
type Manifest struct {
	JS  string `json:"js"`
	CSS string `json:"css"`
}

// ManifestName is the manifest's file name in the output directory.
const ManifestName = "manifest.json"

// Build bundles the dashboard whose package.json is in dir and returns
// the files of assets/ui/ by name, manifest included. It fails when
// node_modules is missing (run `npm ci` in dir) or the source does not
// compile.
func Build(dir string) (map[string][]byte, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	res := api.Build(api.BuildOptions{
		AbsWorkingDir:     dir,
		EntryPoints:       []string{"src/main.tsx"},
		EntryNames:        "[name]-[hash]",
		Outdir:            filepath.Join(dir, "out"), // names only: nothing is written
		Bundle:            true,
		Write:             false,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Format:            api.FormatIIFE,
		Target:            api.ES2020,
		JSX:               api.JSXAutomatic,
		JSXImportSource:   "preact",
		Charset:           api.CharsetUTF8,
		LegalComments:     api.LegalCommentsEndOfFile,
		Define:            map[string]string{"process.env.NODE_ENV": `"production"`},
		LogLevel:          api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return nil, errors.New("dashboard: build failed (did you run `npm ci` in ui/dashboard?):\n" + strings.Join(msgs, ""))
	}
	files := map[string][]byte{}
	var m Manifest
	for _, f := range res.OutputFiles {
		name := filepath.Base(f.Path)
		files[name] = f.Contents
		switch filepath.Ext(name) {
		case ".js":
			m.JS = name
		case ".css":
			m.CSS = name
		default:
			return nil, fmt.Errorf("dashboard: unexpected output %s", name)
		}
	}
	if m.JS == "" || m.CSS == "" {
		return nil, fmt.Errorf("dashboard: build made %d files, want a script and a stylesheet", len(files))
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	files[ManifestName] = append(manifest, '\n')
	return files, nil
}

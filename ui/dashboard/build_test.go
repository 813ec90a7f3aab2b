package dashboard

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

const assetsUI = "../../assets/ui"

// TestCommittedBuildIsFresh rebuilds the dashboard and compares it with
// assets/ui/ byte for byte: the committed build is what the binary
// serves, so it must be what the source makes.
func TestCommittedBuildIsFresh(t *testing.T) {
	if _, err := os.Stat("node_modules/preact"); err != nil {
		msg := "ui/dashboard/node_modules missing: run `npm ci --prefix ui/dashboard` to check the committed build"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (required under CI=true)")
		}
		t.Skip(msg)
	}
	mapSrc, err := WorldMap(".")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(WorldMapFile); err != nil || !bytes.Equal(got, mapSrc) {
		t.Errorf("%s differs from a fresh conversion of world-atlas: run go generate ./ui/dashboard (%v)", WorldMapFile, err)
	}
	files, err := Build(".")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(assetsUI)
	if err != nil {
		t.Fatal(err)
	}
	var committed, built []string
	for _, e := range entries {
		committed = append(committed, e.Name())
	}
	for name, body := range files {
		built = append(built, name)
		got, err := os.ReadFile(filepath.Join(assetsUI, name))
		if err != nil {
			t.Errorf("built %s, not committed (run go generate ./ui/dashboard): %v", name, err)
			continue
		}
		if !bytes.Equal(got, body) {
			t.Errorf("assets/ui/%s differs from a fresh build: run go generate ./ui/dashboard", name)
		}
	}
	slices.Sort(committed)
	slices.Sort(built)
	if !slices.Equal(committed, built) {
		t.Errorf("assets/ui holds %v, a fresh build makes %v: run go generate ./ui/dashboard", committed, built)
	}
}

// TestSizeBudget holds the dashboard's script to 120 KB gzipped (issue 5)
// and the stylesheet to 20 KB.
func TestSizeBudget(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(assetsUI, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name   string
		budget int
	}{{m.JS, 120 << 10}, {m.CSS, 20 << 10}} {
		body, err := os.ReadFile(filepath.Join(assetsUI, f.name))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		t.Logf("%s: %d bytes, %d gzipped (budget %d)", f.name, len(body), buf.Len(), f.budget)
		if buf.Len() > f.budget {
			t.Errorf("%s is %d bytes gzipped, over the budget of %d", f.name, buf.Len(), f.budget)
		}
	}
}

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRendersGoreleaserConfig renders the real goreleaser.yaml the way the
// fallback build does and checks the values that end up in the binary and
// the file names install.sh looks for.
func TestRendersGoreleaserConfig(t *testing.T) {
	cfg, err := load(filepath.Join("..", "..", "goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	in := info{ProjectName: cfg.ProjectName, Version: "1.4.0", Commit: "0123456789abcdef", Date: "2026-11-23T19:00:00Z", CommitTimestamp: 1795460000}
	arches := map[string]string{}
	for _, b := range cfg.Builds {
		in.Os, in.Arch = b.Goos[0], b.Goarch[0]
		ld, err := renderAll(b.Ldflags, in)
		if err != nil {
			t.Fatalf("build %s: %v", b.ID, err)
		}
		joined := strings.Join(ld, " ")
		for _, want := range []string{"-X main.version=1.4.0", "-X main.commit=0123456789abcdef", "-X main.date=2026-11-23T19:00:00Z", "-s -w"} {
			if !strings.Contains(joined, want) {
				t.Errorf("build %s: ldflags %q lack %q", b.ID, joined, want)
			}
		}
		env, err := renderAll(b.Env, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range env {
			if cc, ok := strings.CutPrefix(e, "CC="); ok {
				arches[b.Goarch[0]] = cc
			}
		}
		if ts, err := render(b.ModTimestamp, in); err != nil || ts != "1795460000" {
			t.Errorf("build %s: mod_timestamp = %q, %v", b.ID, ts, err)
		}
		name, err := render(cfg.Archives[0].NameTemplate, in)
		if err != nil {
			t.Fatal(err)
		}
		if want := "footfall_1.4.0_linux_" + b.Goarch[0]; name != want {
			t.Errorf("archive name %q, want %q", name, want)
		}
	}
	if arches["amd64"] != "gcc" || arches["arm64"] != "aarch64-linux-gnu-gcc" {
		t.Errorf("C compilers per arch = %v", arches)
	}
	in.Version = "0.0.0"
	if v, err := render(cfg.Snapshot.VersionTemplate, in); err != nil || v != "0.0.1-next" {
		t.Errorf("snapshot version from v0.0.0 = %q, %v; want 0.0.1-next", v, err)
	}
	if _, err := render("{{ .NoSuchField }}", in); err == nil {
		t.Error("an unknown template field rendered without an error")
	}
	if _, err := render("{{ incpatch .Version }}", info{Version: "1.4"}); err == nil {
		t.Error("incpatch of 1.4 succeeded, want an error")
	}
}

// TestArchiveAndChecksums writes an archive twice from the same files: the
// bytes are equal (fixed owner and time), the layout is goreleaser's, and
// checksums.txt is in sha256sum's format, sorted by name.
func TestArchiveAndChecksums(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := artifact{path: write("linux-amd64_linux_amd64/footfall", "\x7fELF binary")}
	extra := []string{write("README.md", "# Footfall\n"), write("LICENSE", "Apache-2.0\n")}
	mtime := time.Unix(1795460000, 0)
	one, two := filepath.Join(dir, "footfall_1.4.0_linux_amd64.tar.gz"), filepath.Join(dir, "again.tar.gz")
	for _, p := range []string{one, two} {
		if err := writeArchive(p, a, extra, mtime); err != nil {
			t.Fatal(err)
		}
	}
	b1, _ := os.ReadFile(one)
	b2, _ := os.ReadFile(two)
	if !bytes.Equal(b1, b2) {
		t.Error("the same inputs gave two different archives")
	}

	gz, err := gzip.NewReader(bytes.NewReader(b1))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(mtime) || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: time %v uid %d gid %d, want the commit time and root", h.Name, h.ModTime, h.Uid, h.Gid)
		}
		wantMode := int64(0o644)
		if h.Name == "footfall" {
			wantMode = 0o755
		}
		if h.Mode != wantMode {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, wantMode)
		}
	}
	if !slices.Equal(names, []string{"footfall", "README.md", "LICENSE"}) {
		t.Errorf("archive holds %q", names)
	}

	sums, err := checksums([]string{two, one})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b1)
	want := hex.EncodeToString(h[:]) + "  again.tar.gz\n" + hex.EncodeToString(h[:]) + "  footfall_1.4.0_linux_amd64.tar.gz\n"
	if string(sums) != want {
		t.Errorf("checksums.txt =\n%s\nwant\n%s", sums, want)
	}
}

func TestReleaseScriptShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("install shellcheck: CI checks .ci/release with it")
		}
		t.Skip("shellcheck not installed")
	}
	if out, err := exec.Command(sc, filepath.Join("..", "..", ".ci", "release")).CombinedOutput(); err != nil {
		t.Errorf("shellcheck .ci/release: %v\n%s", err, out)
	}
}

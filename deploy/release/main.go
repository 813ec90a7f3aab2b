// Command release builds the release archives that goreleaser.yaml
// describes, with plain `go build`, for when goreleaser itself cannot be
// installed (it needs a newer Go than this project's, see docs/OPERATIONS.md):
//
//	go run ./deploy/release [-out dist] [-version 1.4.0] [-targets linux/amd64,linux/arm64]
//
// It reads the builds, archives, checksum and snapshot sections of
// goreleaser.yaml and does what goreleaser does with them: one `go build`
// per build with that build's env, flags and ldflags (templates rendered
// with the version, commit and date), binary times set to the commit time,
// one tar.gz per target holding the binary and the listed files, and a
// checksums.txt. Without -version it makes a snapshot version from the
// newest tag, as `goreleaser release --snapshot` does. Container images and
// the GitHub release are left to goreleaser. .ci/release runs it in CI and
// checks what it made.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

// config is the part of goreleaser.yaml this command carries out.
type config struct {
	ProjectName string  `yaml:"project_name"`
	Builds      []build `yaml:"builds"`
	Archives    []struct {
		IDs          []string `yaml:"ids"`
		Formats      []string `yaml:"formats"`
		NameTemplate string   `yaml:"name_template"`
		Files        []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	Snapshot struct {
		VersionTemplate string `yaml:"version_template"`
	} `yaml:"snapshot"`
}

type build struct {
	ID           string   `yaml:"id"`
	Main         string   `yaml:"main"`
	Binary       string   `yaml:"binary"`
	Goos         []string `yaml:"goos"`
	Goarch       []string `yaml:"goarch"`
	Env          []string `yaml:"env"`
	Flags        []string `yaml:"flags"`
	Ldflags      []string `yaml:"ldflags"`
	ModTimestamp string   `yaml:"mod_timestamp"`
}

// info is what templates may use; names follow goreleaser's.
type info struct {
	ProjectName     string
	Version         string
	Tag             string
	Commit          string
	FullCommit      string
	ShortCommit     string
	Date            string
	CommitDate      string
	CommitTimestamp int64
	IsSnapshot      bool
	Os              string
	Arch            string
}

// artifact is one built binary.
type artifact struct {
	build    build
	os, arch string
	path     string
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	cfgPath := fs.String("config", "goreleaser.yaml", "goreleaser configuration")
	out := fs.String("out", "dist", "output directory (must not exist, or be empty)")
	version := fs.String("version", "", "release version without v (default: a snapshot version from the newest tag)")
	targets := fs.String("targets", "", "comma-separated os/arch to build (default: every build in the config)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := load(*cfgPath)
	if err != nil {
		return err
	}
	in, err := gitInfo(ctx, cfg.ProjectName)
	if err != nil {
		return err
	}
	if *version != "" {
		in.Version = strings.TrimPrefix(*version, "v")
	} else {
		v, err := render(cfg.Snapshot.VersionTemplate, in)
		if err != nil {
			return fmt.Errorf("snapshot.version_template: %w", err)
		}
		in.Version, in.IsSnapshot = v, true
	}
	if err := emptyDir(*out); err != nil {
		return err
	}
	var want []string
	if *targets != "" {
		want = strings.Split(*targets, ",")
	}

	var built []artifact
	for _, b := range cfg.Builds {
		for _, goos := range b.Goos {
			for _, goarch := range b.Goarch {
				if want != nil && !slices.Contains(want, goos+"/"+goarch) {
					continue
				}
				start := time.Now()
				a, err := goBuild(ctx, b, goos, goarch, in, *out)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "built %s (%s/%s) in %s\n", a.path, goos, goarch, time.Since(start).Round(time.Second))
				built = append(built, a)
			}
		}
	}
	if len(built) == 0 {
		return fmt.Errorf("no build in %s matches -targets %q", *cfgPath, *targets)
	}

	var files []string
	for _, ar := range cfg.Archives {
		if !slices.Equal(ar.Formats, []string{"tar.gz"}) && len(ar.Formats) > 0 {
			return fmt.Errorf("archive formats %q: only tar.gz is supported here", ar.Formats)
		}
		for _, a := range built {
			if len(ar.IDs) > 0 && !slices.Contains(ar.IDs, a.build.ID) {
				continue
			}
			ai := in
			ai.Os, ai.Arch = a.os, a.arch
			name, err := render(ar.NameTemplate, ai)
			if err != nil {
				return fmt.Errorf("archive name_template: %w", err)
			}
			path := filepath.Join(*out, name+".tar.gz")
			if err := writeArchive(path, a, ar.Files, time.Unix(in.CommitTimestamp, 0)); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "archived %s\n", path)
			files = append(files, path)
		}
	}

	if alg := cfg.Checksum.Algorithm; alg != "" && alg != "sha256" {
		return fmt.Errorf("checksum algorithm %q: only sha256 is supported here", alg)
	}
	sumName, err := render(cfg.Checksum.NameTemplate, in)
	if err != nil {
		return fmt.Errorf("checksum name_template: %w", err)
	}
	sums, err := checksums(files)
	if err != nil {
		return err
	}
	sumPath := filepath.Join(*out, sumName)
	if err := os.WriteFile(sumPath, sums, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s for version %s, commit %s\n", sumPath, in.Version, in.ShortCommit)
	return nil
}

func load(path string) (config, error) {
	var c config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if c.ProjectName == "" {
		return c, fmt.Errorf("%s: no project_name", path)
	}
	if c.Checksum.NameTemplate == "" {
		// goreleaser's default name carries the version; install.sh
		// fetches checksums.txt, so the config must pin it.
		return c, fmt.Errorf("%s: no checksum.name_template", path)
	}
	return c, nil
}

// gitInfo reads the commit, its time and the newest tag as goreleaser
// would; a repository without tags counts as v0.0.0.
func gitInfo(ctx context.Context, project string) (info, error) {
	in := info{ProjectName: project, Date: time.Now().UTC().Format(time.RFC3339)}
	full, err := git(ctx, "rev-parse", "HEAD")
	if err != nil {
		return in, err
	}
	in.Commit, in.FullCommit = full, full
	if in.ShortCommit, err = git(ctx, "rev-parse", "--short", "HEAD"); err != nil {
		return in, err
	}
	ts, err := git(ctx, "log", "-1", "--format=%ct", "HEAD")
	if err != nil {
		return in, err
	}
	if in.CommitTimestamp, err = strconv.ParseInt(ts, 10, 64); err != nil {
		return in, fmt.Errorf("commit time %q: %w", ts, err)
	}
	in.CommitDate = time.Unix(in.CommitTimestamp, 0).UTC().Format(time.RFC3339)
	in.Tag, err = git(ctx, "describe", "--tags", "--abbrev=0")
	if err != nil {
		in.Tag = "v0.0.0"
	}
	in.Version = strings.TrimPrefix(in.Tag, "v")
	return in, nil
}

func git(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(ee.Stderr))
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

var funcs = template.FuncMap{
	// incpatch is goreleaser's: 1.4.0 → 1.4.1.
	"incpatch": func(v string) (string, error) {
		parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
		if len(parts) != 3 {
			return "", fmt.Errorf("incpatch: %q is not MAJOR.MINOR.PATCH", v)
		}
		patch, _, _ := strings.Cut(parts[2], "-")
		n, err := strconv.Atoi(patch)
		if err != nil {
			return "", fmt.Errorf("incpatch: %q: %w", v, err)
		}
		return parts[0] + "." + parts[1] + "." + strconv.Itoa(n+1), nil
	},
}

// render executes one of the config's templates; an unknown field is an
// error, never an empty string in a release name.
func render(s string, in info) (string, error) {
	t, err := template.New("").Funcs(funcs).Option("missingkey=error").Parse(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, in); err != nil {
		return "", err
	}
	return b.String(), nil
}

func renderAll(list []string, in info) ([]string, error) {
	out := make([]string, len(list))
	for i, s := range list {
		r, err := render(s, in)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		out[i] = r
	}
	return out, nil
}

func goBuild(ctx context.Context, b build, goos, goarch string, in info, out string) (artifact, error) {
	in.Os, in.Arch = goos, goarch
	a := artifact{build: b, os: goos, arch: goarch}
	env, err := renderAll(b.Env, in)
	if err != nil {
		return a, fmt.Errorf("build %s env: %w", b.ID, err)
	}
	flags, err := renderAll(b.Flags, in)
	if err != nil {
		return a, fmt.Errorf("build %s flags: %w", b.ID, err)
	}
	ld, err := renderAll(b.Ldflags, in)
	if err != nil {
		return a, fmt.Errorf("build %s ldflags: %w", b.ID, err)
	}
	binary := b.Binary
	if binary == "" {
		binary = in.ProjectName
	}
	main := b.Main
	if main == "" {
		main = "."
	}
	a.path = filepath.Join(out, b.ID+"_"+goos+"_"+goarch, binary)
	args := append([]string{"build"}, flags...)
	if len(ld) > 0 {
		args = append(args, "-ldflags="+strings.Join(ld, " "))
	}
	args = append(args, "-o", a.path, main)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return a, fmt.Errorf("build %s (%s/%s): go %s: %w", b.ID, goos, goarch, strings.Join(args, " "), err)
	}
	if b.ModTimestamp != "" {
		s, err := render(b.ModTimestamp, in)
		if err != nil {
			return a, fmt.Errorf("build %s mod_timestamp: %w", b.ID, err)
		}
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return a, fmt.Errorf("build %s mod_timestamp %q: %w", b.ID, s, err)
		}
		if err := os.Chtimes(a.path, time.Unix(sec, 0), time.Unix(sec, 0)); err != nil {
			return a, err
		}
	}
	return a, nil
}

// writeArchive writes the binary and the extra files at the archive's top
// level, as goreleaser does without wrap_in_directory, owned by root and
// dated mtime so the same commit gives the same bytes.
func writeArchive(path string, a artifact, extra []string, mtime time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	add := func(src, name string, mode int64) error {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: name, Mode: mode, Size: int64(len(b)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	}
	if err := add(a.path, filepath.Base(a.path), 0o755); err != nil {
		return fmt.Errorf("archive %s: %w", path, err)
	}
	for _, name := range extra {
		if err := add(name, filepath.Base(name), 0o644); err != nil {
			return fmt.Errorf("archive %s: %w", path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}

// checksums lists "SHA256  NAME" lines sorted by name, the format of
// goreleaser's checksums.txt and of sha256sum.
func checksums(paths []string) ([]byte, error) {
	var lines []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		lines = append(lines, hex.EncodeToString(sum[:])+"  "+filepath.Base(p))
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("output directory %s is not empty", dir)
	}
	return nil
}

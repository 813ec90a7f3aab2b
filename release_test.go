package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

// The parts of goreleaser.yaml the release depends on. Keys not listed here
// are left to `goreleaser check`.
type releaseConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
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
	Changelog struct {
		Use string `yaml:"use"`
	} `yaml:"changelog"`
}

func loadReleaseConfig(t *testing.T) releaseConfig {
	t.Helper()
	b, err := os.ReadFile("goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c releaseConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("goreleaser.yaml: %v", err)
	}
	return c
}

// archiveName renders the archive name template the way goreleaser does for
// the fields it uses, so install.sh can be tested against the real names.
func archiveName(t *testing.T, version, arch string) string {
	t.Helper()
	c := loadReleaseConfig(t)
	if len(c.Archives) == 0 {
		t.Fatal("goreleaser.yaml has no archives")
	}
	tmpl, err := template.New("name").Option("missingkey=error").Parse(c.Archives[0].NameTemplate)
	if err != nil {
		t.Fatalf("archive name_template: %v", err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, map[string]string{"Version": version, "Os": "linux", "Arch": arch}); err != nil {
		t.Fatalf("archive name_template: %v", err)
	}
	return b.String() + ".tar.gz"
}

// mainVars lists main.go's package-level variables, which are the
// only names -X can set.
func mainVars(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				names = append(names, n.Name)
			}
		}
	}
	return names
}

func TestGoreleaserConfig(t *testing.T) {
	c := loadReleaseConfig(t)
	if c.Version != 2 {
		t.Errorf("version = %d, want 2 (goreleaser v2 schema)", c.Version)
	}

	targets := map[string]string{"amd64": "gcc", "arm64": "aarch64-linux-gnu-gcc"}
	vars := mainVars(t)
	ldVar := regexp.MustCompile(`-X\s+main\.(\w+)=(\S+)`)
	var buildIDs []string
	for arch, cc := range targets {
		n := 0
		for _, b := range c.Builds {
			if !slices.Contains(b.Goos, "linux") || !slices.Contains(b.Goarch, arch) {
				continue
			}
			n++
			buildIDs = append(buildIDs, b.ID)
			if b.Binary != "footfall" {
				t.Errorf("linux/%s: binary = %q; install.sh looks for footfall in the archive", arch, b.Binary)
			}
			if b.Main != "" && b.Main != "." {
				t.Errorf("linux/%s: main = %q, want the module root", arch, b.Main)
			}
			// Each build must name its own C compiler: DuckDB is cgo.
			if !slices.Contains(b.Env, "CGO_ENABLED=1") || !slices.Contains(b.Env, "CC="+cc) {
				t.Errorf("linux/%s: env = %q, want CGO_ENABLED=1 and CC=%s", arch, b.Env, cc)
			}
			if !slices.Contains(b.Flags, "-trimpath") {
				t.Errorf("linux/%s: flags = %q, want -trimpath", arch, b.Flags)
			}
			ld := strings.Join(b.Ldflags, " ")
			if f := strings.Fields(ld); !slices.Contains(f, "-s") || !slices.Contains(f, "-w") {
				t.Errorf("linux/%s: ldflags %q do not strip (-s -w)", arch, ld)
			}
			set := map[string]string{}
			for _, m := range ldVar.FindAllStringSubmatch(ld, -1) {
				set[m[1]] = strings.ReplaceAll(m[2], " ", "")
				if !slices.Contains(vars, m[1]) {
					t.Errorf("linux/%s: ldflags set main.%s, which main.go does not declare (it has %v)", arch, m[1], vars)
				}
			}
			for name, want := range map[string]string{"version": "{{.Version}}", "commit": "{{.Commit}}", "date": "{{.Date}}"} {
				if !slices.Contains(vars, name) {
					t.Errorf("main.go no longer declares %s; the release build sets it", name)
				}
				if set[name] != want {
					t.Errorf("linux/%s: ldflags set main.%s=%q, want %s", arch, name, set[name], want)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d builds target linux/%s, want exactly 1", n, arch)
		}
	}
	if len(c.Builds) != len(targets) {
		t.Errorf("%d builds, want one per target %v", len(c.Builds), targets)
	}

	if len(c.Archives) != 1 {
		t.Fatalf("%d archives, want 1", len(c.Archives))
	}
	a := c.Archives[0]
	if !slices.Equal(a.Formats, []string{"tar.gz"}) {
		t.Errorf("archive formats = %q, want [tar.gz]: install.sh unpacks tar.gz", a.Formats)
	}
	for _, id := range buildIDs {
		if len(a.IDs) > 0 && !slices.Contains(a.IDs, id) {
			t.Errorf("archive ids %q leave out build %q", a.IDs, id)
		}
	}
	for _, f := range []string{"README.md", "LICENSE"} {
		if !slices.Contains(a.Files, f) {
			t.Errorf("archive files = %q, want %s", a.Files, f)
		}
		if _, err := os.Stat(f); err != nil {
			t.Errorf("archive file %s: %v", f, err)
		}
	}
	if got, want := archiveName(t, "1.4.0", "arm64"), "footfall_1.4.0_linux_arm64.tar.gz"; got != want {
		t.Errorf("archive name = %q, want %q (install.sh downloads that name)", got, want)
	}

	if c.Checksum.NameTemplate != "checksums.txt" {
		t.Errorf("checksum name = %q; install.sh fetches checksums.txt", c.Checksum.NameTemplate)
	}
	if c.Checksum.Algorithm != "" && c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum algorithm = %q; install.sh verifies sha256", c.Checksum.Algorithm)
	}
	if c.Snapshot.VersionTemplate == "" {
		t.Error("no snapshot.version_template: snapshot builds would carry no usable version")
	}
	if c.Changelog.Use != "git" {
		t.Errorf("changelog.use = %q, want git", c.Changelog.Use)
	}
}

// installer runs install.sh against a throw-away root with fake system
// commands that record their calls in one log.
type installer struct {
	t    *testing.T
	dir  string // fakes, archives, the log, TMPDIR
	root string // FOOTFALL_ROOT
	log  string
	env  []string
}

var fakes = map[string]string{
	"systemctl": `echo "systemctl $*" >>"$FAKE_LOG"`,
	"useradd": `echo "useradd $*" >>"$FAKE_LOG"
mkdir -p "$FOOTFALL_ROOT/etc"
echo "footfall:x:999:999::/var/lib/footfall:/usr/sbin/nologin" >>"$FOOTFALL_ROOT/etc/passwd"`,
	"userdel": `echo "userdel $*" >>"$FAKE_LOG"
grep -v '^footfall:' "$FOOTFALL_ROOT/etc/passwd" >"$FOOTFALL_ROOT/etc/passwd.new" || true
mv "$FOOTFALL_ROOT/etc/passwd.new" "$FOOTFALL_ROOT/etc/passwd"`,
	"chown": `echo "chown $*" >>"$FAKE_LOG"`,
	// The installer refuses machines without a release; the tests pretend
	// to be linux/amd64 wherever they run.
	"uname": `case "$1" in
-s) echo "${FAKE_UNAME_S:-Linux}" ;;
-m) echo "${FAKE_UNAME_M:-x86_64}" ;;
*) echo "${FAKE_UNAME_S:-Linux}" ;;
esac`,
}

func newInstaller(t *testing.T) *installer {
	t.Helper()
	dir := t.TempDir()
	in := &installer{t: t, dir: dir, root: filepath.Join(dir, "root"), log: filepath.Join(dir, "calls.log")}
	bin := filepath.Join(dir, "bin")
	for _, d := range []string{in.root, bin, filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range fakes {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	in.env = []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir,
		"TMPDIR=" + filepath.Join(dir, "tmp"),
		"LC_ALL=C",
		"FOOTFALL_ROOT=" + in.root,
		"FAKE_LOG=" + in.log,
		"SYSTEMCTL=" + filepath.Join(bin, "systemctl"),
		"USERADD=" + filepath.Join(bin, "useradd"),
		"USERDEL=" + filepath.Join(bin, "userdel"),
		"CHOWN=" + filepath.Join(bin, "chown"),
	}
	return in
}

// posixShell prefers dash, so bash-only syntax in install.sh fails here.
func posixShell() string {
	if p, err := exec.LookPath("dash"); err == nil {
		return p
	}
	return "/bin/sh"
}

func (in *installer) run(env []string, args ...string) (stdout, stderr string, err error) {
	in.t.Helper()
	cmd := exec.Command(posixShell(), append([]string{"install.sh"}, args...)...)
	cmd.Env = append(slices.Clone(in.env), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func (in *installer) mustRun(args ...string) (stdout, stderr string) {
	in.t.Helper()
	o, e, err := in.run(nil, args...)
	if err != nil {
		in.t.Fatalf("install.sh %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, o, e)
	}
	return o, e
}

// calls returns the fake commands' log and empties it.
func (in *installer) calls() []string {
	in.t.Helper()
	b, err := os.ReadFile(in.log)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		in.t.Fatal(err)
	}
	os.Remove(in.log)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func (in *installer) path(p string) string { return filepath.Join(in.root, p) }

func fakeBinary(version string) string {
	return "#!/bin/sh\ncase \"$1\" in\nversion) echo \"footfall " + version +
		" (commit 0123abc, built 2026-01-02T03:04:05Z)\" ;;\n*) echo \"fake footfall: $*\" >&2 ;;\nesac\n"
}

// writeArchive writes a release-shaped tar.gz holding files into dir and
// returns its path and sha256.
func writeArchive(t *testing.T, dir, name string, files map[string]string) (path, sum string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range slices.Sorted(maps.Keys(files)) {
		mode := int64(0o644)
		if strings.HasSuffix(n, "footfall") {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: mode, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[n]))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(buf.Bytes())
	return path, hex.EncodeToString(h[:])
}

func release(t *testing.T, dir, version string) (path, sum string) {
	t.Helper()
	return writeArchive(t, dir, archiveName(t, version, "amd64"), map[string]string{
		"footfall": fakeBinary(version), "README.md": "# Footfall\n", "LICENSE": "Apache-2.0\n",
	})
}

func writeChecksums(t *testing.T, dir string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

func wantGone(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s should not exist (stat: %v)", path, err)
	}
}

// envSettings returns the NAME=value lines of an env file.
func envSettings(content string) []string {
	var out []string
	for _, l := range strings.Split(content, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestInstallScriptLifecycle walks one root through install, upgrade,
// uninstall and purge.
func TestInstallScriptLifecycle(t *testing.T) {
	t.Parallel()
	in := newInstaller(t)

	archive, sum := release(t, filepath.Join(in.dir, "r1"), "1.2.3")
	out, _ := in.mustRun("--from", archive, "--sha256", strings.ToUpper(sum),
		"--domain", "stats.example.test", "--email", "ops@example.test", "--no-wait")

	bin := in.path("usr/local/bin/footfall")
	if got := readFile(t, bin); got != fakeBinary("1.2.3") {
		t.Errorf("installed binary = %q", got)
	}
	wantMode(t, bin, 0o755)
	wantMode(t, in.path("var/lib/footfall"), 0o750)

	envFile := in.path("etc/footfall/footfall.env")
	wantMode(t, envFile, 0o640)
	wantEnv := []string{
		"FOOTFALL_DATA_DIR=/var/lib/footfall",
		"FOOTFALL_DOMAIN=stats.example.test",
		"FOOTFALL_ACME_EMAIL=ops@example.test",
		"FOOTFALL_BASE_URL=https://stats.example.test",
		"FOOTFALL_ADDR=127.0.0.1:8000",
	}
	if got := envSettings(readFile(t, envFile)); !slices.Equal(got, wantEnv) {
		t.Errorf("env file settings = %q, want %q", got, wantEnv)
	}

	unit := in.path("etc/systemd/system/footfall.service")
	wantMode(t, unit, 0o644)
	lines := strings.Split(readFile(t, unit), "\n")
	for _, want := range []string{
		"User=footfall",
		"EnvironmentFile=/etc/footfall/footfall.env",
		"ExecStart=/usr/local/bin/footfall serve",
		"Restart=on-failure",
		"ProtectSystem=strict",
		"ReadWritePaths=/var/lib/footfall",
		"ProtectHome=true",
		"PrivateTmp=true",
		"NoNewPrivileges=true",
		"AmbientCapabilities=CAP_NET_BIND_SERVICE",
		"CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
		"LimitNOFILE=65536",
		"TimeoutStopSec=60",
		"WantedBy=multi-user.target",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("unit file lacks %q", want)
		}
	}

	calls := in.calls()
	for _, want := range []string{
		"useradd --prefix " + in.root + " --system --user-group --home-dir /var/lib/footfall --no-create-home --shell /usr/sbin/nologin --comment Footfall web analytics footfall",
		"chown footfall:footfall " + in.path("var/lib/footfall"),
		"chown root:footfall " + envFile + ".new",
	} {
		if !slices.Contains(calls, want) {
			t.Errorf("calls %q lack %q", calls, want)
		}
	}
	if i, j := slices.Index(calls, "systemctl daemon-reload"), slices.Index(calls, "systemctl enable --now footfall"); i < 0 || j < i {
		t.Errorf("systemctl calls %q, want daemon-reload then enable --now footfall", calls)
	}
	for _, want := range []string{
		"https://stats.example.test",
		"sudo -u footfall sh -c 'set -a; . /etc/footfall/footfall.env; exec /usr/local/bin/footfall user create",
		"sudo -u footfall sh -c 'set -a; . /etc/footfall/footfall.env; exec /usr/local/bin/footfall site add example.com",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Upgrade: the operator's edit survives; the service restarts.
	edited := readFile(t, envFile) + "FOOTFALL_LOG_LEVEL=debug\n"
	if err := os.WriteFile(envFile, []byte(edited), 0o640); err != nil {
		t.Fatal(err)
	}
	r2 := filepath.Join(in.dir, "r2")
	archive, sum = release(t, r2, "1.2.4")
	writeChecksums(t, r2, strings.Repeat("0", 64)+"  footfall_1.2.4_linux_arm64.tar.gz", sum+"  "+filepath.Base(archive))
	out, errOut := in.mustRun("--from", archive, "--domain", "other.example.test", "--no-wait")
	if got := readFile(t, envFile); got != edited {
		t.Errorf("upgrade rewrote the env file:\n%s", got)
	}
	if !strings.Contains(errOut, "left as it is") {
		t.Errorf("upgrade with --domain should warn that the env file is kept; stderr:\n%s", errOut)
	}
	if got := readFile(t, bin); got != fakeBinary("1.2.4") {
		t.Errorf("binary after upgrade = %q", got)
	}
	if !strings.Contains(out, "upgraded") || !strings.Contains(out, "1.2.4") {
		t.Errorf("upgrade output:\n%s", out)
	}
	if calls := in.calls(); !slices.Equal(calls, []string{"systemctl daemon-reload", "systemctl restart footfall"}) {
		t.Errorf("upgrade calls = %q, want daemon-reload and restart only", calls)
	}

	// Uninstall keeps data and config, and can be repeated.
	dataFile := in.path("var/lib/footfall/app.db")
	if err := os.WriteFile(dataFile, []byte("data"), 0o640); err != nil {
		t.Fatal(err)
	}
	in.mustRun("--uninstall")
	wantGone(t, bin)
	wantGone(t, unit)
	if got := readFile(t, dataFile); got != "data" {
		t.Errorf("data after --uninstall = %q", got)
	}
	if got := readFile(t, envFile); got != edited {
		t.Errorf("env file after --uninstall = %q", got)
	}
	if calls := in.calls(); !slices.Equal(calls, []string{"systemctl disable --now footfall", "systemctl daemon-reload"}) {
		t.Errorf("--uninstall calls = %q", calls)
	}
	in.mustRun("--uninstall")
	if calls := in.calls(); !slices.Equal(calls, []string{"systemctl daemon-reload"}) {
		t.Errorf("second --uninstall calls = %q, want only daemon-reload", calls)
	}

	in.mustRun("--uninstall", "--purge")
	wantGone(t, in.path("var/lib/footfall"))
	wantGone(t, in.path("etc/footfall"))
	if calls := in.calls(); !slices.Contains(calls, "userdel --prefix "+in.root+" footfall") {
		t.Errorf("--purge calls = %q, want userdel", calls)
	}
	if strings.Contains(readFile(t, in.path("etc/passwd")), "footfall:") {
		t.Error("footfall user left after --purge")
	}
}

func TestInstallScriptPlainHTTP(t *testing.T) {
	t.Parallel()
	in := newInstaller(t)
	archive, sum := release(t, in.dir, "1.2.3")
	out, _, err := in.run([]string{"FOOTFALL_NO_WAIT=1"}, "--from", archive, "--sha256", sum)
	if err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	if got, want := envSettings(readFile(t, in.path("etc/footfall/footfall.env"))), []string{"FOOTFALL_DATA_DIR=/var/lib/footfall"}; !slices.Equal(got, want) {
		t.Errorf("env file settings = %q, want %q", got, want)
	}
	if !regexp.MustCompile(`Open http://\S+:8000`).MatchString(out) {
		t.Errorf("output does not point at port 8000:\n%s", out)
	}
}

// TestInstallScriptPrompts gives install.sh a terminal (util-linux script)
// so it asks for the domain and email, re-asking after invalid answers.
func TestInstallScriptPrompts(t *testing.T) {
	t.Parallel()
	scriptCmd, err := exec.LookPath("script")
	if err != nil || runtime.GOOS != "linux" {
		t.Skip("needs util-linux script to give install.sh a terminal")
	}
	in := newInstaller(t)
	archive, sum := release(t, in.dir, "1.2.3")
	cmd := exec.Command(scriptCmd, "-qec", posixShell()+" install.sh --no-wait --from "+archive+" --sha256 "+sum, os.DevNull)
	cmd.Env = in.env
	cmd.Stdin = strings.NewReader("not a domain\nstats.example.test\nnobody\nops@example.test\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install.sh on a terminal: %v\n%s", err, out)
	}
	want := []string{
		"FOOTFALL_DATA_DIR=/var/lib/footfall",
		"FOOTFALL_DOMAIN=stats.example.test",
		"FOOTFALL_ACME_EMAIL=ops@example.test",
		"FOOTFALL_BASE_URL=https://stats.example.test",
		"FOOTFALL_ADDR=127.0.0.1:8000",
	}
	if got := envSettings(readFile(t, in.path("etc/footfall/footfall.env"))); !slices.Equal(got, want) {
		t.Errorf("env file after the prompts = %q, want %q", got, want)
	}
}

// TestInstallScriptRefuses checks that every refusal says why and leaves
// the root untouched.
func TestInstallScriptRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		env   []string
		setup func(t *testing.T, dir string) []string // returns the arguments
		want  string
	}{
		{name: "wrong --sha256", want: "checksum mismatch", setup: func(t *testing.T, dir string) []string {
			a, _ := release(t, dir, "1.2.3")
			return []string{"--from", a, "--sha256", strings.Repeat("ab", 32)}
		}},
		{name: "wrong checksums.txt", want: "checksum mismatch", setup: func(t *testing.T, dir string) []string {
			a, _ := release(t, dir, "1.2.3")
			writeChecksums(t, dir, strings.Repeat("ab", 32)+"  "+filepath.Base(a))
			return []string{"--from", a}
		}},
		{name: "archive missing from checksums.txt", want: "not listed", setup: func(t *testing.T, dir string) []string {
			a, _ := release(t, dir, "1.2.3")
			writeChecksums(t, dir, strings.Repeat("ab", 32)+"  footfall_9.9.9_linux_amd64.tar.gz")
			return []string{"--from", a}
		}},
		{name: "archive for another architecture", want: "built for arm64", setup: func(t *testing.T, dir string) []string {
			a, _ := writeArchive(t, dir, "footfall_1.2.3_linux_arm64.tar.gz", map[string]string{"footfall": fakeBinary("1.2.3")})
			return []string{"--from", a}
		}},
		{name: "archive without the binary", want: "no footfall binary", setup: func(t *testing.T, dir string) []string {
			a, _ := writeArchive(t, dir, "footfall_1.2.3_linux_amd64.tar.gz", map[string]string{"README.md": "hi"})
			return []string{"--from", a}
		}},
		{name: "binary that does not run here", want: "does not run on this machine", setup: func(t *testing.T, dir string) []string {
			a, _ := writeArchive(t, dir, "footfall_1.2.3_linux_amd64.tar.gz", map[string]string{
				"footfall": "#!/bin/sh\necho 'version GLIBC_2.34 not found' >&2\nexit 1\n"})
			return []string{"--from", a}
		}},
		{name: "not Linux", env: []string{"FAKE_UNAME_S=Darwin"}, want: "Linux only", setup: func(t *testing.T, dir string) []string {
			a, _ := release(t, dir, "1.2.3")
			return []string{"--from", a}
		}},
		{name: "unsupported architecture", env: []string{"FAKE_UNAME_M=riscv64"}, want: "amd64", setup: func(t *testing.T, dir string) []string {
			a, _ := release(t, dir, "1.2.3")
			return []string{"--from", a}
		}},
		{name: "--email without --domain", want: "needs --domain", setup: func(t *testing.T, dir string) []string {
			a, _ := release(t, dir, "1.2.3")
			return []string{"--from", a, "--email", "ops@example.test"}
		}},
		{name: "bad domain", want: "not a host name", setup: func(t *testing.T, dir string) []string {
			a, _ := release(t, dir, "1.2.3")
			return []string{"--from", a, "--domain", "https://stats.example.test"}
		}},
		{name: "unknown option", want: "unknown option", setup: func(t *testing.T, dir string) []string {
			return []string{"--frobnicate"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := newInstaller(t)
			args := tc.setup(t, filepath.Join(in.dir, "dist"))
			out, errOut, err := in.run(append(tc.env, "FOOTFALL_NO_WAIT=1"), args...)
			if err == nil {
				t.Fatalf("install.sh %q succeeded, want a refusal\n%s", args, out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr = %q, want it to mention %q", errOut, tc.want)
			}
			if entries, _ := os.ReadDir(in.root); len(entries) > 0 {
				t.Errorf("a refused install left %d entries in the root, the first %s", len(entries), entries[0].Name())
			}
			if calls := in.calls(); len(calls) > 0 {
				t.Errorf("a refused install ran %q", calls)
			}
		})
	}
}

// TestInstallScriptDownload serves a release tree over file:// (curl reads
// it like https), laid out as GitHub serves releases.
func TestInstallScriptDownload(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed: the download path is not tested")
	}
	in := newInstaller(t)
	rel := filepath.Join(in.dir, "releases")
	for _, v := range []string{"1.2.3", "1.3.0"} {
		dir := filepath.Join(rel, "download", "v"+v)
		a, sum := release(t, dir, v)
		writeChecksums(t, dir, sum+"  "+filepath.Base(a))
	}
	latest := filepath.Join(rel, "latest", "download")
	if err := os.MkdirAll(latest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(rel, "download", "v1.3.0", "checksums.txt"), filepath.Join(latest, "checksums.txt")); err != nil {
		t.Fatal(err)
	}
	in.env = append(in.env, "FOOTFALL_RELEASE_URL=file://"+rel+"/")
	bin := in.path("usr/local/bin/footfall")

	in.mustRun("--version", "v1.2.3", "--no-wait")
	if got := readFile(t, bin); got != fakeBinary("1.2.3") {
		t.Errorf("--version v1.2.3 installed %q", got)
	}
	in.mustRun("--no-wait")
	if got := readFile(t, bin); got != fakeBinary("1.3.0") {
		t.Errorf("latest installed %q, want 1.3.0", got)
	}

	// A tampered archive is refused and the installed binary stays.
	tampered := filepath.Join(rel, "download", "v1.3.0", archiveName(t, "1.3.0", "amd64"))
	writeArchive(t, filepath.Dir(tampered), filepath.Base(tampered), map[string]string{"footfall": "#!/bin/sh\necho evil\n"})
	if _, errOut, err := in.run(nil, "--no-wait"); err == nil || !strings.Contains(errOut, "checksum mismatch") {
		t.Errorf("tampered download: err %v, stderr %q", err, errOut)
	}
	if got := readFile(t, bin); got != fakeBinary("1.3.0") {
		t.Errorf("a refused download replaced the binary with %q", got)
	}
}

func TestInstallScriptShellcheck(t *testing.T) {
	t.Parallel()
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("install shellcheck: CI checks install.sh with it (apt-get install shellcheck)")
		}
		t.Skip("shellcheck not installed: install.sh not linted")
	}
	if out, err := exec.Command(sc, "--shell=sh", "install.sh").CombinedOutput(); err != nil {
		t.Errorf("shellcheck install.sh: %v\n%s", err, out)
	}
}

// TestInstallScriptWaitsForHealth points the installed config at a local
// server: install.sh must poll /healthz until it answers 200, and fail with
// a pointer to the logs when nothing answers.
func TestInstallScriptWaitsForHealth(t *testing.T) {
	t.Parallel()
	_, curlErr := exec.LookPath("curl")
	_, wgetErr := exec.LookPath("wget")
	if curlErr != nil && wgetErr != nil {
		t.Skip("neither curl nor wget installed: install.sh cannot probe /healthz")
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || hits.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // still starting
		}
	}))
	defer srv.Close()

	install := func(addr string, env ...string) (string, error) {
		in := newInstaller(t)
		if err := os.MkdirAll(in.path("etc/footfall"), 0o755); err != nil {
			t.Fatal(err)
		}
		// An env file left by an earlier install decides where to probe.
		if err := os.WriteFile(in.path("etc/footfall/footfall.env"), []byte("FOOTFALL_ADDR="+addr+"\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		archive, sum := release(t, in.dir, "1.2.3")
		out, errOut, err := in.run(env, "--from", archive, "--sha256", sum)
		return out + errOut, err
	}

	addr := strings.TrimPrefix(srv.URL, "http://")
	if out, err := install(addr, "FOOTFALL_HEALTH_TIMEOUT=10"); err != nil {
		t.Errorf("install with a healthy server: %v\n%s", err, out)
	} else if hits.Load() < 2 {
		t.Errorf("/healthz asked %d times; the first answer was 503, so install.sh should have retried", hits.Load())
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	out, err := install(strings.TrimPrefix(dead.URL, "http://"), "FOOTFALL_HEALTH_TIMEOUT=1")
	if err == nil || !strings.Contains(out, "journalctl -u footfall") {
		t.Errorf("install with nothing listening: err %v, want a failure pointing at journalctl\n%s", err, out)
	}
}

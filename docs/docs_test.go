package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/config"
)

func readOps(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goSources calls fn with the path and text of every .go file of the
// module, tests included when tests is set.
func goSources(t *testing.T, tests bool, fn func(path, src string)) {
	t.Helper()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || (!tests && strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMetricsTable: the table between the metrics markers lists exactly
// the footfall_* metrics the code registers.
func TestMetricsTable(t *testing.T) {
	doc := readOps(t)
	start, end := strings.Index(doc, "<!-- metrics:start -->"), strings.Index(doc, "<!-- metrics:end -->")
	if start < 0 || end < start {
		t.Fatal("OPERATIONS.md has no <!-- metrics:start --> … <!-- metrics:end --> table")
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(footfall_[a-z0-9_]+)").FindAllStringSubmatch(doc[start:end], -1) {
		documented[m[1]] = true
	}
	registered := map[string]string{}
	name := regexp.MustCompile(`Name:\s*"(footfall_[a-z0-9_]+)"`)
	goSources(t, false, func(path, src string) {
		for _, m := range name.FindAllStringSubmatch(src, -1) {
			registered[m[1]] = path
		}
	})
	if len(registered) < 5 {
		t.Fatalf("found only %d registered metrics (%v): has the registration style changed?", len(registered), registered)
	}
	for m, path := range registered {
		if !documented[m] {
			t.Errorf("%s (registered in %s) is missing from the metrics table in OPERATIONS.md", m, path)
		}
	}
	for m := range documented {
		if _, ok := registered[m]; !ok {
			t.Errorf("OPERATIONS.md lists %s, which the code does not register", m)
		}
	}
}

// TestVariablesExist: every FOOTFALL_* name the page mentions is one the
// program reads.
func TestVariablesExist(t *testing.T) {
	known := map[string]bool{}
	for _, v := range config.Vars() {
		known[v.Env], known[v.Env+"_FILE"] = true, true
	}
	for _, m := range regexp.MustCompile(`FOOTFALL_[A-Z0-9_]+`).FindAllString(readOps(t), -1) {
		if !known[m] {
			t.Errorf("OPERATIONS.md mentions %s, which app/config does not define", m)
		}
	}
}

// TestNamedTestsExist: the tests the page cites as proof exist.
func TestNamedTestsExist(t *testing.T) {
	var funcs []string
	decl := regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]+)\(`)
	goSources(t, true, func(_, src string) {
		for _, m := range decl.FindAllStringSubmatch(src, -1) {
			funcs = append(funcs, m[1])
		}
	})
	for _, m := range regexp.MustCompile("`(Test[A-Za-z0-9_]+)`").FindAllStringSubmatch(readOps(t), -1) {
		if !slices.Contains(funcs, m[1]) {
			t.Errorf("OPERATIONS.md cites %s, which no test file declares", m[1])
		}
	}
}

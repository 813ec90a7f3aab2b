package cli

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs a footfall command on the data directory dir and returns
// its exit code and output.
func runCLI(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(&Env{
		Args: args, Environ: []string{"FOOTFALL_DATA_DIR=" + dir, "FOOTFALL_LOG_LEVEL=warn"},
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
	})
	return code, out.String(), errOut.String()
}

// cliStep is one command and what it must answer: the exit code, and
// substrings of its stdout (or, when it fails, of its stderr).
type cliStep struct {
	args []string
	code int
	want []string
}

func runSteps(t *testing.T, dir string, steps []cliStep) {
	t.Helper()
	for _, s := range steps {
		code, out, errOut := runCLI(t, dir, s.args...)
		got := out
		if s.code != 0 {
			got = errOut
		}
		if code != s.code {
			t.Errorf("footfall %s = exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(s.args, " "), code, s.code, out, errOut)
			continue
		}
		for _, w := range s.want {
			if !strings.Contains(got, w) {
				t.Errorf("footfall %s: output %q does not contain %q", strings.Join(s.args, " "), got, w)
			}
		}
	}
}

func TestGoalCommands(t *testing.T) {
	dir := t.TempDir()
	runSteps(t, dir, []cliStep{
		{[]string{"site", "add", "example.com"}, 0, nil},
		{[]string{"site", "add", "other.example"}, 0, nil},
		{[]string{"goal", "add", "--site", "example.com", "--event", "Signup"}, 0,
			[]string{`added goal 1 "Signup" (event Signup) to example.com`}},
		{[]string{"goal", "add", "--site", "example.com", "--page", "/blog/**"}, 0,
			[]string{`added goal 2 "Visit /blog/**" (page /blog/**) to example.com`}},
		{[]string{"goal", "add", "--site", "Example.COM", "--page", "/pricing", "--name", "Pricing"}, 0,
			[]string{`added goal 3 "Pricing" (page /pricing)`}},
		{[]string{"goal", "add", "--site", "other.example", "--event", "Signup"}, 0, []string{"to other.example"}},

		{[]string{"goal", "add", "--site", "example.com", "--event", "Other", "--name", "Signup"}, 1,
			[]string{`example.com already has a goal named "Signup"`}},
		{[]string{"goal", "add", "--site", "missing.example", "--event", "Signup"}, 1, []string{"no site missing.example"}},
		{[]string{"goal", "add", "--site", "example.com", "--page", "pricing"}, 2, []string{"must start with /", "usage: footfall goal"}},
		{[]string{"goal", "add", "--site", "example.com", "--event", "A", "--page", "/a"}, 2, []string{"either --event NAME or --page PATH"}},
		{[]string{"goal", "add", "--site", "example.com"}, 2, []string{"either --event NAME or --page PATH"}},
		{[]string{"goal", "add", "--event", "Signup"}, 2, []string{"--site is required"}},
		{[]string{"goal", "list"}, 2, []string{"--site is required"}},
		{[]string{"goal"}, 2, []string{"missing subcommand"}},
		{[]string{"goal", "rename", "--site", "example.com"}, 2, []string{`unknown subcommand "rename"`}},

		{[]string{"goal", "list", "--site", "example.com"}, 0,
			[]string{"ID", "NAME", "1   Signup", "event Signup", "2   Visit /blog/**", "page /blog/**", "3   Pricing"}},
		// Goal 4 is other.example's: example.com cannot remove it.
		{[]string{"goal", "remove", "--site", "example.com", "4"}, 1, []string{"example.com has no goal 4"}},
		{[]string{"goal", "remove", "--site", "example.com", "x"}, 2, []string{`"x" is not a goal ID`}},
		{[]string{"goal", "remove", "--site", "example.com"}, 2, []string{"one goal ID"}},
		{[]string{"goal", "remove", "--site", "example.com", "1"}, 0, []string{"removed goal 1 from example.com"}},
		{[]string{"goal", "remove", "--site", "example.com", "1"}, 1, []string{"example.com has no goal 1"}},
	})
	_, out, _ := runCLI(t, dir, "goal", "list", "--site", "example.com")
	if strings.Contains(out, "Signup") || !strings.Contains(out, "Pricing") {
		t.Errorf("goal list after removing goal 1 = %q, want Pricing without Signup", out)
	}
	_, out, _ = runCLI(t, dir, "goal", "list", "--site", "other.example")
	if !strings.Contains(out, "Signup") {
		t.Errorf("goal list --site other.example = %q, want its Signup goal untouched", out)
	}
}

func TestFunnelCommands(t *testing.T) {
	dir := t.TempDir()
	runSteps(t, dir, []cliStep{
		{[]string{"site", "add", "example.com"}, 0, nil},
		{[]string{"funnel", "add", "--site", "example.com", "--name", "Purchase",
			"--step", "page:/pricing", "--step", "event:Signup", "--step", "page:/checkout/**"}, 0,
			[]string{`added funnel 1 "Purchase" (page /pricing → event Signup → page /checkout/**) to example.com`}},
		{[]string{"funnel", "add", "--site", "example.com", "--name", "Purchase", "--step", "page:/a", "--step", "page:/b"}, 1,
			[]string{`example.com already has a funnel named "Purchase"`}},
		{[]string{"funnel", "add", "--site", "example.com", "--name", "Short", "--step", "page:/a"}, 2, []string{"2 to 8 steps, not 1"}},
		{[]string{"funnel", "add", "--site", "example.com", "--name", "Bad", "--step", "click:/a", "--step", "page:/b"}, 2,
			[]string{`"click:/a" is not event:NAME or page:PATH`}},
		{[]string{"funnel", "add", "--site", "example.com", "--name", "Bad", "--step", "page:a", "--step", "page:/b"}, 2,
			[]string{"step 1: the page path \"a\" must start with /"}},
		{[]string{"funnel", "add", "--site", "example.com", "--step", "page:/a", "--step", "page:/b"}, 2, []string{"a funnel needs a name"}},
		{[]string{"funnel", "list", "--site", "example.com"}, 0,
			[]string{"ID", "STEPS", "1   Purchase", "page /pricing → event Signup → page /checkout/**"}},
		{[]string{"funnel", "remove", "--site", "example.com", "2"}, 1, []string{"example.com has no funnel 2"}},
		{[]string{"funnel", "remove", "--site", "example.com", "1"}, 0, []string{"removed funnel 1 from example.com"}},
	})
	if _, out, _ := runCLI(t, dir, "funnel", "list", "--site", "example.com"); strings.Contains(out, "Purchase") {
		t.Errorf("funnel list after remove = %q, want no Purchase", out)
	}
}

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/cli"
)

// TestMain lets the test binary act as the footfall binary when asked, so
// the crash tests run the real entry point in a subprocess they can kill.
func TestMain(m *testing.M) {
	if os.Getenv("FOOTFALL_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// run executes a footfall command in process and returns its stdout.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return runIn(t, []string{"FOOTFALL_DATA_DIR=" + dir}, args...)
}

// runIn is run with the environment given, which must exit 0.
func runIn(t *testing.T, environ []string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(&cli.Env{
		Args: args, Environ: environ,
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Assets: assets(),
		Build: cli.Build{Version: version, Commit: commit, Date: date},
	})
	if code != 0 {
		t.Fatalf("footfall %v = exit %d: %s%s", args, code, out.String(), errOut.String())
	}
	return out.String()
}

type server struct {
	cmd *exec.Cmd
	url string
}

// start runs the server in a subprocess and waits until it serves; env
// adds to or overrides its environment.
func start(t *testing.T, dir string, env ...string) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), "FOOTFALL_TEST_MAIN=1", "FOOTFALL_DATA_DIR="+dir,
		"FOOTFALL_ADDR=127.0.0.1:0", "FOOTFALL_ADMIN_ADDR=127.0.0.1:0", "FOOTFALL_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Footfall is running: open "); ok {
				urls <- u
			}
		}
	}()
	select {
	case u := <-urls:
		return &server{cmd: cmd, url: u}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start within 30s")
	}
	return nil
}

func (s *server) count(t *testing.T, key string) int64 {
	t.Helper()
	req, _ := http.NewRequest("POST", s.url+"/api/v2/query",
		strings.NewReader(`{"site_id":"crash.example","metrics":["events"],"date_range":"all"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Results []struct{ Metrics []float64 } }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Results) != 1 {
		t.Fatalf("count: %v %+v", err, out)
	}
	return int64(out.Results[0].Metrics[0])
}

// load posts events from workers until stop is closed, counting the
// requests sent and the 2xx answers.
// Paths start with tag, so loads on several servers never send one path
// twice.
func load(url, tag string, workers int, stop <-chan struct{}) (sent, acked *atomic.Int64, wait func()) {
	sent, acked = new(atomic.Int64), new(atomic.Int64)
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"n":"pageview","u":"https://crash.example/%sw%d/%d","d":"crash.example"}`, tag, w, i)
				req, _ := http.NewRequest("POST", url+"/api/event", strings.NewReader(body))
				req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("81.2.%d.%d", w, i%250))
				sent.Add(1)
				res, err := client.Do(req)
				if err != nil {
					return // the server died under us
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode/100 == 2 {
					acked.Add(1)
				}
			}
		}()
	}
	return sent, acked, wg.Wait
}

func setup(t *testing.T) (dir, key string) {
	dir = t.TempDir()
	run(t, dir, "user", "create", "--email", "ops@crash.example", "--password", "long enough password", "--admin")
	run(t, dir, "site", "add", "crash.example")
	out := strings.Split(strings.TrimSpace(run(t, dir, "apikey", "create", "--email", "ops@crash.example")), "\n")
	return dir, out[len(out)-1]
}

// waitCount polls until the stored count reaches want or stops growing.
func waitCount(t *testing.T, s *server, key string, want int64) int64 {
	t.Helper()
	var got int64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got = s.count(t, key); got >= want {
			break
		}
	}
	return got
}

// TestKillDuringIngestLosesNothing SIGKILLs the server mid-load: every
// event it acknowledged must be stored after a restart, and nothing may be
// stored twice.
func TestKillDuringIngestLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test skipped with -short")
	}
	dir, key := setup(t)
	s := start(t, dir)
	stop := make(chan struct{})
	sent, acked, wait := load(s.url, "", 16, stop)
	time.Sleep(1500 * time.Millisecond)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()
	close(stop)
	wait()
	if acked.Load() < 100 {
		t.Fatalf("only %d events acknowledged before the kill: the load did not run", acked.Load())
	}

	s = start(t, dir)
	got := waitCount(t, s, key, acked.Load())
	t.Logf("sent %d, acknowledged %d, stored after restart %d", sent.Load(), acked.Load(), got)
	if got < acked.Load() {
		t.Errorf("stored %d events after SIGKILL, but %d were acknowledged: acknowledged events were lost", got, acked.Load())
	}
	if got > sent.Load() {
		t.Errorf("stored %d events but only %d were sent: replay stored duplicates", got, sent.Load())
	}
}

// TestGracefulShutdownDrains stops the server with SIGTERM under load: it
// exits 0, and every acknowledged event is stored.
func TestGracefulShutdownDrains(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped with -short")
	}
	dir, key := setup(t)
	s := start(t, dir)
	stop := make(chan struct{})
	_, acked, wait := load(s.url, "", 8, stop)
	time.Sleep(time.Second)
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exited with %v after SIGTERM, want exit 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop within 30s of SIGTERM")
	}
	close(stop)
	wait()
	s = start(t, dir)
	if got := waitCount(t, s, key, acked.Load()); got < acked.Load() {
		t.Errorf("stored %d after graceful shutdown, want ≥ %d acknowledged", got, acked.Load())
	}
}

func TestVersionAndUsage(t *testing.T) {
	if out := run(t, t.TempDir(), "version"); !strings.HasPrefix(out, "footfall dev") {
		t.Errorf("version = %q", out)
	}
	var out, errOut bytes.Buffer
	code := cli.Run(&cli.Env{Args: []string{"frobnicate"}, Stdout: &out, Stderr: &errOut, Assets: assets()})
	if code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("unknown command = exit %d, %q", code, errOut.String())
	}
}

// TestEventsDatabaseInUse checks that a command needing the events
// database while a server holds it fails with advice, not a lock error.
func TestEventsDatabaseInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped with -short")
	}
	dir, _ := setup(t)
	start(t, dir)
	var out, errOut bytes.Buffer
	code := cli.Run(&cli.Env{
		Args:    []string{"seed", "--site", "crash.example", "--events", "10", "--days", "1"},
		Environ: []string{"FOOTFALL_DATA_DIR=" + dir}, Stdout: &out, Stderr: &errOut, Assets: assets(),
	})
	if code != 1 || !strings.Contains(errOut.String(), "in use by process") || !strings.Contains(errOut.String(), "stop it first") {
		t.Errorf("seed while serving = exit %d, %q; want exit 1 naming the server process", code, errOut.String())
	}
}

package wal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
)

const (
	crashDirEnv   = "FOOTFALL_WAL_CRASH_DIR"
	crashRoundEnv = "FOOTFALL_WAL_CRASH_ROUND"
)

// TestHelperProcess is not a test: TestCrash runs the test binary again
// with it selected, and it enqueues until killed. It prints "A id" for each
// event whose Enqueue returned nil and "C id" for each event its consumer
// took from Next, before acknowledging it.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestCrash")
	}
	round, _ := strconv.Atoi(os.Getenv(crashRoundEnv))
	// A small memory window makes the consumer read spilled events from disk.
	w, err := Open(dir, Options{SegmentSize: 32 << 10, memWindow: 500})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(3)
	}
	var outMu sync.Mutex
	say := func(kind string, evs []store.Event) {
		var b []byte
		for _, e := range evs {
			b = fmt.Appendf(b, "%s %d\n", kind, e.SessionID)
		}
		outMu.Lock()
		_, _ = os.Stdout.Write(b) // unbuffered: what is printed is acknowledged
		outMu.Unlock()
	}
	ctx := context.Background()
	go func() {
		for {
			// Slower than the writers, so a backlog spanning segments is
			// pending when the kill comes.
			time.Sleep(5 * time.Millisecond)
			b, err := w.Next(ctx, 100)
			if err != nil {
				return
			}
			say("C", b.Events)
			if err := w.Ack(ctx, b); err != nil {
				fmt.Fprintln(os.Stderr, "ack:", err)
				os.Exit(3)
			}
		}
	}()
	fmt.Println("ready")
	for g := range 32 {
		go func() {
			for i := 0; ; i++ {
				evs := testEvents(0, i%3+1)
				for j := range evs {
					evs[j].SessionID = uint64(round)<<48 | uint64(g)<<32 | uint64(i)<<4 | uint64(j)
				}
				if err := w.Enqueue(ctx, evs); err != nil {
					fmt.Fprintln(os.Stderr, "enqueue:", err)
					os.Exit(3)
				}
				say("A", evs)
			}
		}()
	}
	select {} // until SIGKILL
}

// TestCrash kills a process that is enqueueing from 32 goroutines and
// consuming at the same time, several times over the same directory, and
// checks that every event whose Enqueue returned nil is still there (or
// was taken by the consumer) and nothing is delivered twice.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 7))
	acked := make(map[uint64]bool)
	consumed := make(map[uint64]bool)
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashRoundEnv+"="+strconv.Itoa(round))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(out)
		if line, err := r.ReadString('\n'); line != "ready\n" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("round %d: helper said %q, %v; stderr:\n%s", round, line, err, stderr.String())
		}
		delay := time.Duration(200+rng.IntN(600)) * time.Millisecond
		time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		a, c := 0, 0
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				if err != io.EOF {
					t.Fatal(err)
				}
				break // a line cut by the kill is dropped: it was never complete
			}
			kind, id, ok := strings.Cut(strings.TrimSpace(line), " ")
			n, perr := strconv.ParseUint(id, 10, 64)
			switch {
			case !ok || perr != nil:
				t.Fatalf("round %d: unexpected helper output %q", round, line)
			case kind == "A":
				acked[n] = true
				a++
			case kind == "C":
				consumed[n] = true
				c++
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: helper ended with %v, not by SIGKILL; stderr:\n%s", round, err, stderr.String())
		}
		t.Logf("round %d: killed after %v: %d acknowledged, %d consumed", round, delay, a, c)
		if a == 0 {
			t.Fatalf("round %d: nothing acknowledged before the kill", round)
		}
	}

	w := openWAL(t, dir, Options{})
	got, _ := drain(t, w, 10_000)
	delivered := make(map[uint64]bool, len(got))
	for _, e := range got {
		if delivered[e.SessionID] {
			t.Errorf("event %#x delivered twice after the crash", e.SessionID)
		}
		delivered[e.SessionID] = true
	}
	lost := 0
	for id := range acked {
		if !delivered[id] && !consumed[id] {
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged event %#x lost", id)
			}
		}
	}
	t.Logf("%d acknowledged, %d consumed before a kill, %d delivered after; %d lost", len(acked), len(consumed), len(got), lost)
}

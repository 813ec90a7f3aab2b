package memtrim

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	smaps := `00400000-00429000 r--p 00000000 fe:00 42                     /usr/bin/footfall
Size:                164 kB
Rss:                 164 kB
Anonymous:             0 kB
00429000-03c3d000 r-xp 00029000 fe:00 42                     /usr/bin/footfall
Rss:               39144 kB
Anonymous:             0 kB
060d4000-06153000 r--p 05cd3000 fe:00 42                     /usr/bin/footfall
Rss:                 496 kB
Anonymous:           400 kB
06153000-066d8000 rw-p 05d52000 fe:00 42                     /usr/bin/footfall
Rss:                2040 kB
Anonymous:          1000 kB
7f0000000000-7f0000021000 rw-p 00000000 00:00 0
Rss:                 132 kB
Anonymous:           132 kB
garbage line
`
	got := parse([]byte(smaps))
	if len(got) != 5 {
		t.Fatalf("parse: %d mappings, want 5: %+v", len(got), got)
	}
	text := got[1]
	if text.start != 0x00429000 || text.end != 0x03c3d000 || text.writable || text.inode != 42 || text.rss != 39144<<10 || text.anonymous != 0 {
		t.Errorf("text mapping = %+v", text)
	}
	if relro := got[2]; relro.anonymous != 400<<10 || relro.writable {
		t.Errorf("relro mapping = %+v", relro)
	}
	if data := got[3]; !data.writable {
		t.Errorf("data mapping = %+v, want writable", data)
	}
	want := []bool{true, true, false, false, false}
	for i, m := range got {
		if releasable(m, 42) != want[i] {
			t.Errorf("releasable(mapping %d: %+v) = %v, want %v", i, m, !want[i], want[i])
		}
	}
}

// TestRelease unmaps the test binary's own read-only pages and goes on
// running: what it drops must come back on use, and only clean mappings
// may be dropped.
func TestRelease(t *testing.T) {
	before := exeRSS(t)
	st, err := Release()
	if err != nil {
		t.Fatal(err)
	}
	if st.Mappings == 0 || st.Released <= 0 {
		t.Fatalf("Release = %+v, want the executable's read-only mappings released", st)
	}
	after := exeRSS(t)
	t.Logf("executable resident: %d KB before, %d KB after; released %d KB in %d mappings", before>>10, after>>10, st.Released>>10, st.Mappings)
	if after >= before {
		t.Errorf("executable resident %d bytes after Release, %d before", after, before)
	}
	// Code, read-only data and relocated pointers still work.
	runtime.GC()
	if s := strings.Repeat("ab", 3); s != "ababab" {
		t.Errorf("strings.Repeat after Release = %q", s)
	}
	if _, err := os.Stat("/proc/self/exe"); err != nil {
		t.Errorf("os.Stat after Release: %v", err)
	}
}

func mappings(t *testing.T) []mapping {
	t.Helper()
	var exe syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &exe); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var out []mapping
	for _, m := range parse(b) {
		if m.inode == exe.Ino {
			out = append(out, m)
		}
	}
	return out
}

func exeRSS(t *testing.T) int64 {
	var n int64
	for _, m := range mappings(t) {
		n += m.rss
	}
	return n
}

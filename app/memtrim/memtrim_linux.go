package memtrim

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Release drops this process's page-table entries for the read-only
// mappings of its own executable (MADV_DONTNEED). A mapping with any
// anonymous page is left alone: those pages were written (relocations,
// a debugger's breakpoints) and dropping them would bring back the
// file's bytes. Safe to call at any time and from any goroutine; code
// running meanwhile faults its pages back in.
func Release() (Stats, error) {
	var st Stats
	var exe syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &exe); err != nil {
		return st, fmt.Errorf("memtrim: stat executable: %w", err)
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return st, fmt.Errorf("memtrim: %w", err)
	}
	for _, m := range parse(smaps) {
		if !releasable(m, exe.Ino) {
			continue
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_DONTNEED); errno != 0 {
			return st, fmt.Errorf("memtrim: madvise %#x-%#x: %w", m.start, m.end, errno)
		}
		st.Released += m.rss
		st.Mappings++
	}
	return st, nil
}

// releasable reports whether m maps the executable read-only with only
// clean file pages resident.
func releasable(m mapping, exe uint64) bool {
	return m.inode == exe && !m.writable && m.anonymous == 0 && m.rss > 0
}

type mapping struct {
	start, end uintptr
	writable   bool
	inode      uint64
	rss        int64 // bytes
	anonymous  int64 // bytes
}

// parse reads the mappings of a /proc/PID/smaps text: a header line
// "start-end perms offset dev inode [path]" followed by "Key: N kB" lines.
func parse(smaps []byte) []mapping {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 0 {
			continue
		}
		if key, ok := bytes.CutSuffix(f[0], []byte(":")); ok {
			if len(out) == 0 || len(f) < 2 {
				continue
			}
			n, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				continue
			}
			switch string(key) {
			case "Rss":
				out[len(out)-1].rss = n << 10
			case "Anonymous":
				out[len(out)-1].anonymous = n << 10
			}
			continue
		}
		if len(f) < 5 {
			continue
		}
		lo, hi, ok := bytes.Cut(f[0], []byte("-"))
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(string(lo), 16, 64)
		end, err2 := strconv.ParseUint(string(hi), 16, 64)
		inode, err3 := strconv.ParseUint(string(f[4]), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || end <= start || len(f[1]) < 2 {
			// Not a header we understand: mark it unusable rather than let
			// the lines that follow count for the mapping before it.
			out = append(out, mapping{writable: true})
			continue
		}
		out = append(out, mapping{start: uintptr(start), end: uintptr(end), writable: f[1][1] == 'w', inode: inode})
	}
	return out
}

package wal

import (
	"os"
	"syscall"
)

// datasync flushes f's data and the metadata needed to read it back. In a
// preallocated segment that is the data alone, which is what makes
// fdatasync cheaper than fsync there: no journal commit for size or mtime.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

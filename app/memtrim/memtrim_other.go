//go:build !linux

package memtrim

// Release does nothing outside Linux.
func Release() (Stats, error) { return Stats{}, nil }

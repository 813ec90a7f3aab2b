//go:build !(linux || darwin)

package wal

import (
	"errors"
	"math"
	"syscall"
)

// lockDir is a no-op here: these systems are not deployment targets, and a
// second process is the operator's mistake to avoid.
func lockDir(string) (func() error, error) { return func() error { return nil }, nil }

// statfsFree cannot ask these systems cheaply; it reports no shortage and
// leaves ENOSPC from writes as the only signal.
func statfsFree(string) (uint64, error) { return math.MaxUint64, nil }

func isNoSpace(err error) bool { return errors.Is(err, syscall.ENOSPC) }

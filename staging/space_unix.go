//go:build !windows

package staging

import (
	"errors"
	"os"
	"syscall"
)

// isNoSpace reports whether err says the file system is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// preallocate makes f take n bytes of disk from off on: with
// fallocate(2) where the system has it, else by writing zeros.
func preallocate(f *os.File, off, n int64) error {
	if err := fallocate(f, off, n); err == nil || isNoSpace(err) {
		return err
	}
	return writeZeros(f, off, n)
}

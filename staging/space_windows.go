//go:build windows

package staging

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// isNoSpace reports whether err says the disk is full.
func isNoSpace(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) || errors.Is(err, syscall.ENOSPC)
}

// preallocate makes f take n bytes of disk from off on, by writing
// zeros.
func preallocate(f *os.File, off, n int64) error { return writeZeros(f, off, n) }

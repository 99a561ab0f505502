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

// freeSpace reports the bytes free to this user on dir's volume, or -1
// when it cannot tell.
func freeSpace(dir string) int64 {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return -1
	}
	var free, total, totalFree uint64
	if err := windows.GetDiskFreeSpaceEx(p, &free, &total, &totalFree); err != nil {
		return -1
	}
	return int64(free)
}

// preallocate makes f take n bytes of disk from off on, by writing
// zeros.
func preallocate(f *os.File, off, n int64) error { return writeZeros(f, off, n) }

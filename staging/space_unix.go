//go:build !windows

package staging

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// isNoSpace reports whether err says the file system is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// freeSpace reports the bytes free to this user on dir's file system,
// or -1 when it cannot tell.
func freeSpace(dir string) int64 {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// preallocate makes f take n bytes of disk from off on: with
// fallocate(2) where the system has it, else by writing zeros.
func preallocate(f *os.File, off, n int64) error {
	if err := fallocate(f, off, n); err == nil || isNoSpace(err) {
		return err
	}
	return writeZeros(f, off, n)
}

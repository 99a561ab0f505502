//go:build !windows

package staging

import (
	"errors"
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

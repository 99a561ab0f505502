//go:build !windows

package platform

import (
	"os"

	"golang.org/x/sys/unix"
)

// freeSpace is f_bavail blocks of the file system's block size. A file
// system that counts no blocks at all (tmpfs with size=0, ramfs, some
// FUSE file systems: no limit, or none it tells) has no free space to
// tell either: -1.
func freeSpace(path string) int64 {
	var st unix.Statfs_t
	return bytesFree(&st, unix.Statfs(path, &st))
}

// bytesFree is the free space st tells, got with err.
func bytesFree(st *unix.Statfs_t, err error) int64 {
	if err != nil || st.Blocks == 0 {
		return -1
	}
	return int64(st.Bavail) * blockSize(st)
}

func freeSpaceOf(f *os.File) int64 {
	var st unix.Statfs_t
	err := os.ErrClosed
	if c, cerr := f.SyscallConn(); cerr == nil {
		if cerr := c.Control(func(fd uintptr) { err = unix.Fstatfs(int(fd), &st) }); cerr != nil {
			err = cerr
		}
	}
	return bytesFree(&st, err)
}

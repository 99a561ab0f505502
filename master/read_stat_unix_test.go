//go:build unix

package master

import (
	"io/fs"
	"syscall"
)

// rtOwner returns the owner of a local file.
func rtOwner(fi fs.FileInfo) (uid, gid uint32) {
	st := fi.Sys().(*syscall.Stat_t)
	return st.Uid, st.Gid
}

// rtDiskUsage returns the bytes of disk a local file takes.
func rtDiskUsage(fi fs.FileInfo) int64 { return fi.Sys().(*syscall.Stat_t).Blocks * 512 }

//go:build unix

package localtree

import (
	"io/fs"
	"syscall"
	"time"
)

// statExtra returns the owner and the access and change times of fi.
func statExtra(fi fs.FileInfo) (uid, gid uint32, atime, ctime time.Time) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, time.Time{}, time.Time{}
	}
	a, c := statTimes(st)
	return st.Uid, st.Gid, a, c
}

// fileID tells files apart: device and inode number.
type fileID struct{ dev, ino uint64 }

// statID returns fi's device and inode number, its link count and, for
// a device node, its device number.
func statID(fi fs.FileInfo) (id fileID, nlink, rdev uint64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, 0, 0
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, uint64(st.Nlink), uint64(st.Rdev)
}

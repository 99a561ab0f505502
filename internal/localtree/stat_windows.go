//go:build windows

package localtree

import (
	"io/fs"
	"syscall"
	"time"
)

// statExtra returns no owner (Windows has no POSIX uid/gid) and the
// access and change times of fi.
func statExtra(fi fs.FileInfo) (uid, gid uint32, atime, ctime time.Time) {
	d, ok := fi.Sys().(*syscall.Win32FileAttributeData)
	if !ok {
		return 0, 0, time.Time{}, time.Time{}
	}
	return 0, 0, time.Unix(0, d.LastAccessTime.Nanoseconds()), time.Unix(0, d.LastWriteTime.Nanoseconds())
}

// fileID tells files apart where the system has inode numbers.
type fileID struct{ dev, ino uint64 }

// statID knows no inode numbers here: hard links are not told apart.
func statID(fs.FileInfo) (id fileID, nlink, rdev uint64) { return fileID{}, 0, 0 }

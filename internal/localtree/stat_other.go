//go:build !unix && !windows

package localtree

import (
	"io/fs"
	"time"
)

// statExtra has nothing beyond fs.FileInfo on this system.
func statExtra(fs.FileInfo) (uid, gid uint32, atime, ctime time.Time) {
	return 0, 0, time.Time{}, time.Time{}
}

// fileID tells files apart where the system has inode numbers.
type fileID struct{ dev, ino uint64 }

// statID knows no inode numbers here: hard links are not told apart.
func statID(fs.FileInfo) (id fileID, nlink, rdev uint64) { return fileID{}, 0, 0 }

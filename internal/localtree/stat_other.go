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

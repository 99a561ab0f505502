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

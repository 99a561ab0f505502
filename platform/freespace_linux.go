//go:build linux

package platform

import "golang.org/x/sys/unix"

// blockSize is the unit of statfs's counts: f_frsize, as glibc's
// statvfs and df take it, or f_bsize from a kernel that leaves it 0.
func blockSize(st *unix.Statfs_t) int64 {
	if st.Frsize > 0 {
		return int64(st.Frsize)
	}
	return int64(st.Bsize)
}

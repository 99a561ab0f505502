//go:build !windows && !linux

package platform

import "golang.org/x/sys/unix"

// blockSize is the unit of statfs's counts: f_bsize, the fundamental
// block size.
func blockSize(st *unix.Statfs_t) int64 { return int64(st.Bsize) }

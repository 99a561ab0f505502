//go:build !unix

package master

import "io/fs"

// rtOwner returns the owner of a local file: unknown here.
func rtOwner(fs.FileInfo) (uid, gid uint32) { return 0, 0 }

// rtDiskUsage returns the bytes of disk a local file takes: its size here.
func rtDiskUsage(fi fs.FileInfo) int64 { return fi.Size() }

//go:build unix && !(linux || freebsd || netbsd || openbsd || dragonfly)

package main

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// mknodIn makes the node base in the directory d, by d's path dirPath:
// this system offers no mknodat, so a link put in place of a directory
// of dirPath between root's check and this call would be followed.
func mknodIn(d *os.File, dirPath, base string, mode uint32, dev int) error {
	return unix.Mknod(filepath.Join(dirPath, base), mode, dev)
}

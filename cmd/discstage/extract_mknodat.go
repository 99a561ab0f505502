//go:build linux || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// mknodIn makes the node base in the open directory d (at dirPath),
// relative to d: a link put in place of d's path meanwhile is not
// followed.
func mknodIn(d *os.File, dirPath, base string, mode uint32, dev int) error {
	return unix.Mknodat(int(d.Fd()), base, mode, dev)
}

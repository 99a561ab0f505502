//go:build unix

package main

import (
	"io/fs"
	"os"
	"syscall"
)

// umask returns the process's file mode creation mask.
func umask() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}

// isRoot reports whether the process runs as the superuser.
func isRoot() bool { return os.Geteuid() == 0 }

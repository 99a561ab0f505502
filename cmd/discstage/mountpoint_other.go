//go:build !windows

package main

import (
	"path/filepath"
	"syscall"
)

// mountPoint checks the mount point arg (checkMountPoint) and returns
// its absolute path.
func mountPoint(arg string, nonempty bool, note func(string)) (string, error) {
	abs, err := filepath.Abs(arg)
	if err != nil {
		return "", err
	}
	return abs, checkMountPoint(abs, nonempty, note)
}

// mountRoot is the folder a mount point names: mp.
func mountRoot(mp string) string { return mp }

// mountPointName is how a mount's target lock names its mount point
// (mountForeground: "mounted at DIR"): the absolute path.
func mountPointName(mp string) (string, error) { return filepath.Abs(mp) }

// mountErrno is the errno of a refusal written back by a mount, as the
// system reports it.
func mountErrno(e syscall.Errno) syscall.Errno { return e }

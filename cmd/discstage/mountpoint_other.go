//go:build !windows

package main

import "path/filepath"

// mountPoint checks the mount point arg (checkMountPoint) and returns
// its absolute path.
func mountPoint(arg string, nonempty bool, note func(string)) (string, error) {
	abs, err := filepath.Abs(arg)
	if err != nil {
		return "", err
	}
	return abs, checkMountPoint(abs, nonempty, note)
}

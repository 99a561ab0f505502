//go:build windows

package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// makeSpecial reports that this system makes no named pipes or device
// nodes (Windows has no mknod): extract skips them with a warning.
func makeSpecial(root *os.Root, name string, typ, perm fs.FileMode, rdev uint64) error {
	return &fs.PathError{Op: "mknod", Path: filepath.Join(root.Name(), name), Err: errors.ErrUnsupported}
}

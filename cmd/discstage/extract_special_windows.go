//go:build windows

package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// makeSpecial reports that this system makes no named pipes or device
// nodes (Windows has no mknod): extract skips them with a warning.
func makeSpecial(root *os.Root, name string, typ, perm fs.FileMode, rdev uint64) error {
	return &fs.PathError{Op: "mknod", Path: filepath.Join(root.Name(), name), Err: errors.ErrUnsupported}
}

// linkTimes leaves a symbolic link's times as made: Go's os.Root has no
// way to set them without following the link here.
func linkTimes(root *os.Root, name string, mtime time.Time) error { return nil }

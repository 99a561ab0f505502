//go:build unix

package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// makeSpecial makes name beneath root a named pipe or device node of
// type typ (fs.ModeNamedPipe, fs.ModeDevice with or without
// fs.ModeCharDevice) with permission bits perm and device number rdev
// (dev_t as the disc records it), as mknod(2) does. The node is made
// relative to its parent directory opened through root, so no link
// outside root is followed (where the system has mknodat; see
// mknodIn). Errors are mknod's (EPERM when not permitted).
func makeSpecial(root *os.Root, name string, typ, perm fs.FileMode, rdev uint64) error {
	var mode uint32
	switch {
	case typ&fs.ModeNamedPipe != 0:
		mode = unix.S_IFIFO
	case typ&fs.ModeCharDevice != 0:
		mode = unix.S_IFCHR
	case typ&fs.ModeDevice != 0:
		mode = unix.S_IFBLK
	default:
		return &fs.PathError{Op: "mknod", Path: filepath.Join(root.Name(), name), Err: errors.ErrUnsupported}
	}
	return inParent(root, name, func(d *os.File, dir, base string) error {
		if err := mknodIn(d, filepath.Join(root.Name(), dir), base, mode|uint32(perm&fs.ModePerm), int(rdev)); err != nil {
			return &fs.PathError{Op: "mknod", Path: filepath.Join(root.Name(), name), Err: err}
		}
		return nil
	})
}

// inParent runs do with the parent directory of name beneath root,
// opened through root (so no link outside root is followed), its path
// beneath root and name's last element.
func inParent(root *os.Root, name string, do func(d *os.File, dir, base string) error) error {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return do(d, dir, base)
}

// linkTimes sets the times of the symbolic link name beneath root, not
// of what it points to (utimensat with AT_SYMLINK_NOFOLLOW, relative to
// its parent directory opened through root).
func linkTimes(root *os.Root, name string, mtime time.Time) error {
	ts := unix.NsecToTimespec(mtime.UnixNano())
	return inParent(root, name, func(d *os.File, _, base string) error {
		if err := unix.UtimesNanoAt(int(d.Fd()), base, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return &fs.PathError{Op: "lutimes", Path: filepath.Join(root.Name(), name), Err: err}
		}
		return nil
	})
}

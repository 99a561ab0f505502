//go:build darwin

package platform

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Mounted reports whether dir is a mount point: its device differs from
// its parent's.
func Mounted(dir string) (bool, error) {
	var st, pst unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return false, fmt.Errorf("platform: mount point %q: %w", dir, err)
	}
	if err := unix.Stat(filepath.Dir(filepath.Clean(dir)), &pst); err != nil {
		return false, fmt.Errorf("platform: parent of %q: %w", dir, err)
	}
	return st.Dev != pst.Dev, nil
}

// Unmount unmounts the file system at dir.
func Unmount(dir string) error {
	if err := unix.Unmount(dir, 0); err != nil {
		return fmt.Errorf("platform: unmount %q: %w", dir, err)
	}
	return nil
}

// AllowOther reports nil: macFUSE decides allow_other by itself.
func AllowOther() error { return nil }

// FuseMountAt reports ErrUnsupported: macOS has no mountinfo to tell a
// FUSE mount and its name.
func FuseMountAt(dir string) (Mount, bool, error) { return Mount{}, false, ErrUnsupported }

// UnmountDead forces the unmount of dir.
func UnmountDead(dir string) error {
	if err := unix.Unmount(dir, unix.MNT_FORCE); err != nil {
		return fmt.Errorf("platform: unmount dead mount %q: %w", dir, err)
	}
	return nil
}

// MountAt reports ErrUnsupported: macOS has no mountinfo to tell a file
// system and its name.
func MountAt(dir string) (Mount, bool, error) { return Mount{}, false, ErrUnsupported }

//go:build darwin

package platform

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Mounted reports whether dir is a mount point, as the system's mount
// list tells it.
func Mounted(dir string) (bool, error) {
	_, ok, err := MountAt(dir)
	return ok, err
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

// FuseMountAt describes the FUSE file system mounted at dir (the newest,
// when several are stacked); ok is false when there is none.
func FuseMountAt(dir string) (m Mount, ok bool, err error) {
	m, ok, err = MountAt(dir)
	if !ok || !strings.HasPrefix(m.Type, "fuse") {
		return Mount{}, false, err
	}
	return m, true, nil
}

// UnmountDead forces the unmount of dir.
func UnmountDead(dir string) error {
	if err := unix.Unmount(dir, unix.MNT_FORCE); err != nil {
		return fmt.Errorf("platform: unmount dead mount %q: %w", dir, err)
	}
	return nil
}

// fuseTypes are the file system type names macFUSE (and osxfuse
// before it) and FUSE-T give their mounts.
var fuseTypes = map[string]bool{"macfuse": true, "osxfuse": true, "osxfusefs": true, "fuse-t": true}

// MountAt describes the file system mounted at dir, of any type, as
// getfsstat(2) lists it without asking any file system (a dead FUSE
// mount answers nothing): the newest, when several are stacked; ok is
// false when dir is no mount point. A FUSE mount's type is "fuse.NAME",
// NAME its fsname, as Linux names it with the subtype: "fuse.discstage"
// for discstage's own.
func MountAt(dir string) (m Mount, ok bool, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return m, false, fmt.Errorf("platform: mount point %q: %w", dir, err)
	}
	abs = resolve(abs)
	n, err := unix.Getfsstat(nil, unix.MNT_NOWAIT)
	if err != nil {
		return m, false, fmt.Errorf("platform: list mounts: %w", err)
	}
	buf := make([]unix.Statfs_t, n+8)
	n, err = unix.Getfsstat(buf, unix.MNT_NOWAIT)
	if err != nil {
		return m, false, fmt.Errorf("platform: list mounts: %w", err)
	}
	for _, st := range buf[:n] {
		if unix.ByteSliceToString(st.Mntonname[:]) != abs {
			continue
		}
		typ := unix.ByteSliceToString(st.Fstypename[:])
		m, ok = Mount{Type: typ, Source: unix.ByteSliceToString(st.Mntfromname[:])}, true
		if fuseTypes[typ] {
			m.Type = "fuse"
			if m.Source != "" && !strings.ContainsAny(m.Source, "/:@ ") {
				m.Type += "." + m.Source
			}
		}
	}
	if ok && strings.HasPrefix(m.Type, "fuse") {
		var st unix.Stat_t
		err := unix.Stat(abs, &st)
		m.Dead = errors.Is(err, unix.ENOTCONN) || errors.Is(err, unix.ENXIO)
	}
	return m, ok, nil
}

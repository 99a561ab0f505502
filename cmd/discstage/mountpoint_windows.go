//go:build windows

package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	"github.com/discstage/discstage/platform"
	"golang.org/x/sys/windows"
)

// mountPoint checks the mount point arg of a WinFsp mount: a drive
// letter no drive uses ("X:"), or a folder that does not exist yet in
// one that does (WinFsp makes it, and removes it at unmount; so
// --nonempty has nothing to do here). It returns what to mount on.
func mountPoint(arg string, nonempty bool, note func(string)) (string, error) {
	mp, err := platform.CheckMountPoint(arg)
	if errors.Is(err, platform.ErrDriveInUse) || errors.Is(err, platform.ErrMountPointExists) {
		return "", fmt.Errorf("mount: %w: %w", err, errMountPointBusy)
	}
	if err != nil {
		return "", fmt.Errorf("mount: %w", err)
	}
	return mp, nil
}

// mountRoot is the folder a mount point names: "X:\" for a drive
// letter ("X:" alone names the current folder of drive X), else mp.
func mountRoot(mp string) string {
	if d, ok := platform.DriveLetter(mp); ok {
		return d + `\`
	}
	return mp
}

// mountPointName is how a mount's target lock names its mount point
// (mountForeground: "mounted at X:"): "X:" for a drive letter, else
// the absolute folder path.
func mountPointName(mp string) (string, error) {
	if d, ok := platform.DriveLetter(mp); ok {
		return d, nil
	}
	return filepath.Abs(mp)
}

// mountErrno is the errno of a refusal written back by a mount: WinFsp
// turns a FUSE EBUSY into STATUS_DEVICE_BUSY, which Windows reports
// as ERROR_BUSY, and that is EBUSY again here, the code the exit-code
// table knows.
func mountErrno(e syscall.Errno) syscall.Errno {
	if e == windows.ERROR_BUSY {
		return syscall.EBUSY
	}
	return e
}

//go:build windows

package main

import (
	"errors"
	"fmt"

	"github.com/discstage/discstage/platform"
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

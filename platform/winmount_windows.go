//go:build windows

package platform

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// CheckMountPoint checks the mount point arg of a mount through WinFsp
// (WindowsMountPoint, against the drives in use now) and returns what
// to mount on: "X:" or an absolute folder path.
func CheckMountPoint(arg string) (string, error) {
	used, err := windows.GetLogicalDrives()
	if err != nil {
		return "", fmt.Errorf("platform: list drives: %w", err)
	}
	abs := arg
	if _, ok := DriveLetter(arg); !ok {
		if abs, err = filepath.Abs(arg); err != nil {
			return "", fmt.Errorf("platform: mount point %q: %w", arg, err)
		}
	}
	return WindowsMountPoint(arg, abs, used, os.Lstat)
}

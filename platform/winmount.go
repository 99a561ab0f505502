package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Where a mount goes on Windows. WinFsp mounts either on a drive
// letter that no drive uses ("X:"), or on a folder that does not exist
// yet, in a folder that does: WinFsp makes the mount point itself (a
// reparse point) and removes it at unmount, and refuses a folder that
// is there already.

// ErrDriveInUse: the drive letter names a drive already.
var ErrDriveInUse = errors.New("platform: the drive letter is in use")

// ErrMountPointExists: the folder to mount on exists (WinFsp makes it).
var ErrMountPointExists = errors.New("platform: the mount folder exists")

// ErrBadMountPoint: neither a drive letter nor a folder path.
var ErrBadMountPoint = errors.New("platform: not a drive letter or folder to mount on")

// DriveLetter returns the drive s names as a mount point, "X:" (upper
// case), and whether s is one: a letter and a colon, with or without a
// separator after it ("x:", "X:\", "X:/").
func DriveLetter(s string) (string, bool) {
	s = strings.TrimRight(s, `\/`)
	if len(s) != 2 || s[1] != ':' {
		return "", false
	}
	c := s[0] &^ 0x20 // upper case
	if c < 'A' || c > 'Z' {
		return "", false
	}
	return string(c) + ":", true
}

// WindowsMountPoint checks the mount point arg of a mount on Windows
// and returns what to give WinFsp: "X:" for a drive letter, or the
// folder path abs (arg made absolute by the caller). used is the
// bitmask of the drives in use (GetLogicalDrives: bit 0 for A:), lstat
// looks a path up. A letter in use fails with ErrDriveInUse, a folder
// that exists with ErrMountPointExists, one whose parent folder does
// not exist with fs.ErrNotExist.
func WindowsMountPoint(arg, abs string, used uint32, lstat func(string) (fs.FileInfo, error)) (string, error) {
	if d, ok := DriveLetter(arg); ok {
		if used&(1<<(d[0]-'A')) != 0 {
			return "", fmt.Errorf("platform: %w: %s (choose a free letter, or a folder that does not exist yet)", ErrDriveInUse, d)
		}
		return d, nil
	}
	if strings.TrimSpace(arg) == "" || strings.ContainsAny(arg, `*?"<>|`) {
		return "", fmt.Errorf("platform: mount on %q: %w", arg, ErrBadMountPoint)
	}
	dir := strings.TrimRight(abs, `\/`)
	if _, ok := DriveLetter(dir); ok || dir == "" {
		// "C:\" is a drive's root folder, which exists.
		return "", fmt.Errorf("platform: %w: %s (WinFsp makes the folder itself: name one that does not exist yet)", ErrMountPointExists, abs)
	}
	if _, err := lstat(dir); err == nil {
		return "", fmt.Errorf("platform: %w: %s (WinFsp makes the folder itself and removes it at unmount: remove it, or name one that does not exist yet)", ErrMountPointExists, dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("platform: mount on %s: %w", dir, err)
	}
	parent := dir[:max(strings.LastIndexAny(dir, `\/`), 0)]
	if _, ok := DriveLetter(parent); ok {
		parent += `\`
	}
	if parent == "" {
		return "", fmt.Errorf("platform: mount on %q: %w", arg, ErrBadMountPoint)
	}
	fi, err := lstat(parent)
	if err != nil {
		return "", fmt.Errorf("platform: mount on %s: the folder it goes in: %w", dir, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("platform: mount on %s: %s is not a folder: %w", dir, parent, ErrBadMountPoint)
	}
	return dir, nil
}

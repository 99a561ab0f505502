//go:build !linux && !darwin

package platform

// Mounted reports ErrUnsupported: discstage mounts only on Linux and macOS.
func Mounted(dir string) (bool, error) { return false, ErrUnsupported }

// Unmount reports ErrUnsupported.
func Unmount(dir string) error { return ErrUnsupported }

// AllowOther reports ErrUnsupported.
func AllowOther() error { return ErrUnsupported }

// FuseMountAt reports ErrUnsupported.
func FuseMountAt(dir string) (Mount, bool, error) { return Mount{}, false, ErrUnsupported }

// UnmountDead reports ErrUnsupported.
func UnmountDead(dir string) error { return ErrUnsupported }

// MountAt reports ErrUnsupported.
func MountAt(dir string) (Mount, bool, error) { return Mount{}, false, ErrUnsupported }

package platform

import (
	"fmt"
	"io/fs"
	"syscall"
	"testing"
)

// TestWindowsErrorCodes: a full NTFS volume and a failing device, as
// Windows reports them (its errno wrapped in a PathError), are told as
// no space and as an I/O error.
func TestWindowsErrorCodes(t *testing.T) {
	wrap := func(n syscall.Errno) error {
		return fmt.Errorf("write x: %w", &fs.PathError{Op: "write", Path: `C:\x`, Err: n})
	}
	for _, c := range []struct {
		name string
		err  error
		list []syscall.Errno
	}{
		{"ERROR_DISK_FULL", wrap(112), windowsNoSpace},
		{"ERROR_HANDLE_DISK_FULL", wrap(39), windowsNoSpace},
		{"ERROR_CRC", wrap(23), windowsIO},
		{"ERROR_IO_DEVICE", wrap(1117), windowsIO},
	} {
		if !isAny(c.err, c.list) {
			t.Errorf("%s is not told", c.name)
		}
	}
	if isAny(wrap(2), windowsNoSpace) || isAny(wrap(2), windowsIO) { // ERROR_FILE_NOT_FOUND
		t.Error("ERROR_FILE_NOT_FOUND is told as no space or an I/O error")
	}
}

// TestIsNoSpaceHere: this system's own ENOSPC is no space, EIO an I/O
// error.
func TestIsNoSpaceHere(t *testing.T) {
	if !IsNoSpace(fmt.Errorf("x: %w", syscall.ENOSPC)) || IsNoSpace(syscall.EIO) {
		t.Error("IsNoSpace")
	}
	if !IsIOError(fmt.Errorf("x: %w", syscall.EIO)) || IsIOError(syscall.ENOSPC) {
		t.Error("IsIOError")
	}
}

//go:build windows

package platform

import (
	"syscall"
	"testing"

	"golang.org/x/sys/windows"
)

// TestWindowsErrorCodesAreWinerror: the codes are winerror.h's.
func TestWindowsErrorCodesAreWinerror(t *testing.T) {
	want := map[string][2]syscall.Errno{
		"ERROR_HANDLE_DISK_FULL": {windowsNoSpace[0], windows.ERROR_HANDLE_DISK_FULL},
		"ERROR_DISK_FULL":        {windowsNoSpace[1], windows.ERROR_DISK_FULL},
		"ERROR_CRC":              {windowsIO[0], windows.ERROR_CRC},
		"ERROR_SECTOR_NOT_FOUND": {windowsIO[1], windows.ERROR_SECTOR_NOT_FOUND},
		"ERROR_READ_FAULT":       {windowsIO[2], windows.ERROR_READ_FAULT},
		"ERROR_IO_DEVICE":        {windowsIO[3], windows.ERROR_IO_DEVICE},
	}
	for name, p := range want {
		if p[0] != p[1] {
			t.Errorf("%s: %d, winerror.h %d", name, p[0], p[1])
		}
	}
}

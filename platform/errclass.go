package platform

import (
	"errors"
	"syscall"
)

// IsNoSpace reports whether err says the file system is full (or this
// user's quota is), in any of the ways this system says it.
func IsNoSpace(err error) bool { return isAny(err, noSpaceErrors) }

// IsIOError reports whether err says the device failed to read or write
// (a damaged medium, a failing disk), in any of the ways this system
// says it: no fault of the data.
func IsIOError(err error) bool { return isAny(err, ioErrors) }

// isAny reports whether err wraps one of targets.
func isAny(err error, targets []syscall.Errno) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// The Windows system error codes (winerror.h) that say a disk is full
// or a device failed: the errno of a failed ReadFile or WriteFile.
var (
	windowsNoSpace = []syscall.Errno{
		39,  // ERROR_HANDLE_DISK_FULL
		112, // ERROR_DISK_FULL
	}
	windowsIO = []syscall.Errno{
		23,   // ERROR_CRC
		27,   // ERROR_SECTOR_NOT_FOUND
		30,   // ERROR_READ_FAULT
		1117, // ERROR_IO_DEVICE
	}
)

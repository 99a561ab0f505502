package staging

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// lockTimeout is how long Open waits for another process to release
// the area.
const lockTimeout = 2 * time.Second

// lockArea takes an exclusive lock on path, so one process at a time
// uses the area. The lock goes with the process, even a killed one.
func lockArea(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockTimeout)
	for {
		ol := new(windows.Overlapped)
		err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
				return nil, fmt.Errorf("%w: %v", ErrLocked, err)
			}
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func unlockArea(f *os.File) {
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, new(windows.Overlapped))
	f.Close()
}

// syncDir does nothing on Windows, which cannot open a directory for
// syncing; NTFS journals the rename itself.
func syncDir(dir string) error { return nil }

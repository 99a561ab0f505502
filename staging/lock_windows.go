package staging

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// removeArea removes the area in dir, whose lock is held on lock: all
// but the lock file under the lock; Windows removes no open file, so the
// lock file and the folder go once the lock is let go.
func removeArea(dir string, lock *os.File) error {
	ents, err := os.ReadDir(dir)
	for _, e := range ents {
		if err != nil {
			break
		}
		if e.Name() != lockName {
			err = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	unlockArea(lock)
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, lockName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Remove(dir)
}

// syncDir does nothing on Windows, which cannot open a directory for
// syncing; NTFS journals the rename itself.
func syncDir(dir string) error { return nil }

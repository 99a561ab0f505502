package platform

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is the byte range locked: far past the holder line, so
// that the line stays readable to the process refused.
const lockOffset = 1 << 30

// tryLockFile takes an exclusive lock on f without waiting; held is
// false when another handle holds it.
func tryLockFile(f *os.File) (held bool, err error) {
	ol := &windows.Overlapped{Offset: lockOffset}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}

func unlockFile(f *os.File) {
	ol := &windows.Overlapped{Offset: lockOffset}
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}

// holdsFiles: HoldFile locks nothing, a locked byte range being one
// that no other handle may write, the writer's own included.
const holdsFiles = false

// holdFile holds nothing (holdsFiles).
func holdFile(f *os.File) (held bool, err error) { return true, nil }

// fileLockHolder is 0: the system does not tell.
func fileLockHolder(f *os.File) int { return 0 }

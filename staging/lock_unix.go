//go:build !windows

package staging

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
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
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, fmt.Errorf("%w: %v", ErrLocked, err)
			}
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func unlockArea(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}

// removeArea removes the area in dir, whose lock is held on lock, the
// lock file included, and then lets the lock go: a process that waited
// for it finds no area to open.
func removeArea(dir string, lock *os.File) error {
	defer unlockArea(lock)
	return os.RemoveAll(dir)
}

// syncDir makes the names in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

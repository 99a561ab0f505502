//go:build !windows

package platform

import (
	"errors"
	"os"
	"syscall"
)

// tryLockFile takes an exclusive flock on f without waiting; held is
// false when another open file description holds it.
func tryLockFile(f *os.File) (held bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func unlockFile(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// holdsFiles: HoldFile locks a file of data (flock keeps no one from
// reading or writing it).
const holdsFiles = true

// holdFile is tryLockFile: the flock is on the file itself.
func holdFile(f *os.File) (held bool, err error) { return tryLockFile(f) }

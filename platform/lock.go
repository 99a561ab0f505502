package platform

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrLocked: another process holds the lock.
var ErrLocked = errors.New("platform: locked by another process")

// Lock is an exclusive lock on a file that goes across processes: a
// second TryLock of the same path, from any process, fails until the
// holder unlocks it or ends (even killed: the operating system drops the
// lock with the process). The file holds a line saying who holds the
// lock, so that the one refused can say so.
type Lock struct {
	f    *os.File
	path string
	data bool // a lock on a file of data (HoldFile): its content is not the lock's
}

// TryLock takes the lock on the file at path (created when missing)
// without waiting and records holder (such as "mounted at /mnt/disc by
// pid 42") in it. When another process holds the lock it returns a
// *LockedError, which wraps ErrLocked and names that holder.
func TryLock(path, holder string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("platform: open lock %s: %w", path, err)
	}
	held, err := tryLockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("platform: lock %s: %w", path, err)
	}
	if !held {
		b := make([]byte, 512)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		return nil, &LockedError{Path: path, Holder: strings.TrimSpace(string(b[:n]))}
	}
	l := &Lock{f: f, path: path}
	if err := l.SetHolder(holder); err != nil {
		l.Unlock()
		return nil, err
	}
	return l, nil
}

// SetHolder replaces the line that says who holds the lock.
func (l *Lock) SetHolder(holder string) error {
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("platform: lock %s: %w", l.path, err)
	}
	if _, err := l.f.WriteAt([]byte(holder+"\n"), 0); err != nil {
		return fmt.Errorf("platform: lock %s: %w", l.path, err)
	}
	return nil
}

// Unlock releases the lock. The file stays, so that no second process
// can lock a new file of the same name while a third holds the old one.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	if !l.data {
		l.f.Truncate(0)
	}
	unlockFile(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}

// HoldFile takes an exclusive lock on the open file f itself, without
// waiting and without writing to it, and holds it until Unlock, which
// closes f: the lock of a file that holds data of its own (an image),
// which every process that writes the file takes, whatever name it
// opened it by. It keeps no one from reading or writing the file; only
// another HoldFile of the same file fails, with a *LockedError naming
// the process that holds it where the system tells (Linux). On Windows,
// where a locked range cannot be written through another handle, it
// closes f and locks nothing.
func HoldFile(f *os.File) (*Lock, error) {
	held, err := holdFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("platform: lock %s: %w", f.Name(), err)
	}
	if !held {
		e := &LockedError{Path: f.Name(), PID: fileLockHolder(f)}
		f.Close()
		return nil, e
	}
	if !holdsFiles {
		f.Close()
		return &Lock{path: f.Name(), data: true}, nil
	}
	return &Lock{f: f, path: f.Name(), data: true}, nil
}

// LockedError says that another process holds a lock, and who.
type LockedError struct {
	Path   string
	Holder string // as the holder recorded it; empty if unknown
	PID    int    // the process that holds it, where the system tells; else 0
}

func (e *LockedError) Error() string {
	if e.Holder == "" && e.PID != 0 {
		return fmt.Sprintf("platform: %s is locked by pid %d", e.Path, e.PID)
	}
	if e.Holder == "" {
		return fmt.Sprintf("platform: %s is locked by another process", e.Path)
	}
	return fmt.Sprintf("platform: %s is locked: %s", e.Path, e.Holder)
}

// Is makes errors.Is(err, ErrLocked) true for a LockedError.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

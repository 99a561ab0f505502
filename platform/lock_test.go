package platform

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestTryLock: a held lock refuses a second taker, who learns the
// holder; once unlocked it can be taken again.
func TestTryLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "target.lock")
	l, err := TryLock(p, "mounted at /mnt by pid 1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = TryLock(p, "append by pid 2")
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Holder != "mounted at /mnt by pid 1" {
		t.Fatalf("second lock: %v, want ErrLocked naming the holder", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := TryLock(p, "append by pid 2")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	l2.Unlock()
}

//go:build !windows

package platform

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestHoldFile: a file held refuses a second holder that opened it by
// another name (a hard link), who learns the holder's pid on Linux; the
// file's content is never touched, and once let go it can be held again.
func TestHoldFile(t *testing.T) {
	dir := t.TempDir()
	p, link := filepath.Join(dir, "d.iso"), filepath.Join(dir, "same.iso")
	if err := os.WriteFile(p, []byte("sessions"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(p, link); err != nil {
		t.Fatal(err)
	}
	hold := func(name string) (*Lock, error) {
		t.Helper()
		f, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		return HoldFile(f)
	}
	l, err := hold(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = hold(link)
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) {
		t.Fatalf("second hold through a hard link: %v, want ErrLocked", err)
	}
	if runtime.GOOS == "linux" && le.PID != os.Getpid() {
		t.Errorf("the holder's pid: %d, want %d", le.PID, os.Getpid())
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "sessions" {
		t.Errorf("the file after its lock: %q", b)
	}
	l2, err := hold(link)
	if err != nil {
		t.Fatalf("hold after unlock: %v", err)
	}
	l2.Unlock()
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/platform"
)

// TestLockTargetFileUnlockable: an image file the system cannot lock
// (ENOLCK on NFS without lockd, EOPNOTSUPP, EINVAL) leaves the target
// to the lock named after its path, with a note, instead of failing;
// the lock named after the path still refuses a second writer.
func TestLockTargetFileUnlockable(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	for _, errno := range []syscall.Errno{syscall.ENOLCK, syscall.EOPNOTSUPP, syscall.EINVAL} {
		t.Run(errno.Error(), func(t *testing.T) {
			holdFileOrig := holdFile
			holdFile = func(f *os.File) (*platform.Lock, error) {
				f.Close()
				return nil, fmt.Errorf("platform: lock %s: %w", f.Name(), errno)
			}
			defer func() { holdFile = holdFileOrig }()
			img := filepath.Join(t.TempDir(), "disc.iso")
			var notes []string
			l, err := lockTarget(img, holderOf("test"), true, func(s string) { notes = append(notes, s) })
			if err != nil {
				t.Fatalf("lockTarget with %v from the file's lock: %v", errno, err)
			}
			defer l.Unlock()
			if len(notes) != 1 || !strings.Contains(notes[0], img) {
				t.Errorf("notes %q, want one naming %s", notes, img)
			}
			if _, err := lockTarget(img, holderOf("test"), true, nil); !errors.Is(err, errTargetBusy) {
				t.Errorf("second lockTarget: %v, want errTargetBusy", err)
			}
		})
	}
}

// TestLockTargetCreate: lockTarget makes a missing image only when asked.
func TestLockTargetCreate(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	img := filepath.Join(t.TempDir(), "disc.iso")
	l, err := lockTarget(img, holderOf("test"), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	if _, err := os.Lstat(img); err == nil {
		t.Fatalf("lockTarget without create made %s", img)
	}
	if l, err = lockTarget(img, holderOf("test"), true, nil); err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if fi, err := os.Lstat(img); err != nil || !l.made || l.name != img {
		t.Fatalf("lockTarget with create: %v %v, made %v name %s", fi, err, l.made, l.name)
	}
}

// TestHoldMadeLeavesAnUnlockableFile: an image file the system cannot
// lock is told once; holdMade, which a mount or append calls once
// opening the target is done, neither tries it again (a second note)
// nor forgets that lockTarget made it. An emulated drive's medium file
// that was missing is still locked by holdMade once it exists.
func TestHoldMadeLeavesAnUnlockableFile(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	holdFileOrig := holdFile
	defer func() { holdFile = holdFileOrig }()
	holdFile = func(f *os.File) (*platform.Lock, error) {
		f.Close()
		return nil, fmt.Errorf("platform: lock %s: %w", f.Name(), syscall.ENOLCK)
	}
	img := filepath.Join(t.TempDir(), "disc.iso")
	var notes []string
	note := func(s string) { notes = append(notes, s) }
	l, err := lockTarget(img, holderOf("test"), true, note)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if err := l.holdMade(img, note); err != nil {
		t.Fatalf("holdMade: %v", err)
	}
	if len(notes) != 1 {
		t.Errorf("notes %q, want one", notes)
	}
	if !l.made {
		t.Errorf("made false after holdMade, want true: lockTarget made %s", img)
	}

	holdFile = holdFileOrig
	medium := filepath.Join(t.TempDir(), "disc.medium")
	spec := "emulated:cdr:" + medium
	m, err := lockTarget(spec, holderOf("test"), true, note)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Unlock()
	if m.file != nil {
		t.Fatalf("lockTarget locked %s, which does not exist yet", medium)
	}
	if err := os.WriteFile(medium, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.holdMade(spec, note); err != nil {
		t.Fatalf("holdMade: %v", err)
	}
	if m.file == nil {
		t.Errorf("holdMade left %s, made by opening the target, unlocked", medium)
	}
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/discstage/discstage/platform"
)

// releaseWait bounds how long unmount and eject wait for the mount's
// process to let go of its target after the unmount: far beyond what
// closing takes on a busy machine.
const releaseWait = 2 * time.Minute

// mountLock is the target lock (lock.go) of the mount at a mount point,
// as it was held before the unmount.
type mountLock struct {
	path, holder string
}

// mountLocksAt finds the target locks held by the mount at mp: the
// lock files whose holder line says "mounted at MP by pid N" and that
// are held now (a killed mount leaves the line in a lock nobody holds).
func mountLocksAt(mp string) []mountLock {
	abs, err := mountPointName(mp)
	if err != nil {
		return nil
	}
	paths, _ := filepath.Glob(filepath.Join(lockDir(), "*.lock"))
	var held []mountLock
	for _, p := range paths {
		b, err := os.ReadFile(p)
		line := strings.TrimSpace(string(b))
		if err != nil || !strings.HasPrefix(line, "mounted at "+abs+" by pid ") {
			continue
		}
		l, err := platform.TryLock(p, holderOf("unmount of "+abs))
		if err == nil {
			l.Unlock()
			continue
		}
		held = append(held, mountLock{p, line})
	}
	return held
}

// waitReleased waits until the mount's process, its mount point gone,
// has released the target locks it held, or another process has taken
// them. The process closes its staging area and its target and only
// then lets go of the lock, a moment after the kernel's unmount: without
// the wait, a mount or append of the same target straight after
// unmount or eject could find the target in use.
func waitReleased(locks []mountLock) error {
	for _, ml := range locks {
		deadline := time.Now().Add(releaseWait)
		for {
			l, err := platform.TryLock(ml.path, holderOf("unmount"))
			if err == nil {
				l.Unlock()
				break
			}
			var le *platform.LockedError
			if !errors.As(err, &le) || (le.Holder != "" && le.Holder != ml.holder) {
				break // not ours to judge, or another process's now
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("unmounted, but the mount's process (%s) still holds the target after %v: %w", ml.holder, releaseWait, errTargetBusy)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

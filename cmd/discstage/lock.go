package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer/targets"
)

// errTargetBusy: another discstage process writes to the target or has
// it mounted.
var errTargetBusy = errors.New("the target is in use by another discstage process")

// Every command that writes to a target (append, master onto an existing
// image, drives blank) holds the target's lock while it runs, and a mount
// holds it for its lifetime, commits included: so no two discstage
// processes ever write one target, and a mount's view cannot change
// under it by another discstage command. Other programs (xorriso,
// growisofs) know nothing of the lock; a commit finds their sessions
// when it re-reads the medium (see staging's rebase).
//
// The lock is a file in the runtime directory named after the target's
// identity: the absolute path of the image file (symbolic links
// resolved), of an emulated drive's medium file (so the image and the
// emulated drive over one file share a lock) or of the drive's device.

// lockTarget takes the lock of the target spec names for the command,
// recording holder ("mounted at M by pid N", "append by pid N"). When
// another process holds it, the error wraps errTargetBusy and says who.
func lockTarget(spec, holder string) (*platform.Lock, error) {
	p, err := targetLockPath(spec)
	if err != nil {
		return nil, err
	}
	l, err := platform.TryLock(p, holder)
	var le *platform.LockedError
	if errors.As(err, &le) {
		who := le.Holder
		if who == "" {
			who = "held by another process"
		}
		return nil, fmt.Errorf("%s: %s: %w", spec, who, errTargetBusy)
	}
	return l, err
}

// targetLockPath returns the lock file of the target spec names.
func targetLockPath(spec string) (string, error) {
	name, err := staging.TargetName(targets.Identity(spec), 8)
	if err != nil {
		return "", fmt.Errorf("lock %s: %w", spec, err)
	}
	dir := lockDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("lock %s: %w", spec, err)
	}
	return filepath.Join(dir, name+".lock"), nil
}

// lockDir is where target locks live: $XDG_RUNTIME_DIR/discstage-locks,
// else a directory of the user's in the temporary directory.
func lockDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "discstage-locks")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("discstage-locks-%d", os.Getuid()))
}

// holderOf describes this process for a lock's holder line.
func holderOf(what string) string { return fmt.Sprintf("%s by pid %d", what, os.Getpid()) }

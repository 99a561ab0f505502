package main

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/discstage/discstage/platform"
)

// endMount unmounts the mount at mp. It asks the mount first to end
// itself, through the control action "unmount": on Windows that is the
// only way, the mount's own process holding WinFsp's host, and the
// cgofuse adapter answers it on every system. The mount commits
// nothing; what is staged stays in the staging area. A mount that
// refuses (a commit runs, files are open in it) stays, and its reason
// is the error. A mount that leaves unmounting to the system (go-fuse
// answers EOPNOTSUPP), and a folder that is no live discstage mount (a
// dead one, another file system), go to the system's unmount
// (fusermount -u on Linux); where there is none (Windows), the control
// file's error stands: nothing is mounted there.
func endMount(mp string) error {
	err := control(mp, "unmount", "")
	if err == nil {
		return nil
	}
	var ae *actionError
	if errors.As(err, &ae) && ae.Errno != syscall.EOPNOTSUPP {
		return fmt.Errorf("unmount %s: %w", mp, err)
	}
	perr := platform.Unmount(mp)
	if errors.Is(perr, platform.ErrUnsupported) {
		return fmt.Errorf("unmount %s: %w", mp, err)
	}
	return perr
}

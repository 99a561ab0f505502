package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/discstage/discstage/fs"
	"github.com/discstage/discstage/platform"
)

// errNotMount: a folder is not a discstage mount (commit, status and
// unmount give it the exit code of a path not found).
var errNotMount = errors.New("not a discstage mount")

// notMountError says that dir is not a discstage mount and, when it is
// the mount point of another file system, which.
type notMountError struct {
	dir   string
	fs    *platform.Mount
	err   error // why its control file did not open, if it was tried
	ended bool  // the mount table lists discstage's file system at dir, its process gone
}

func (e *notMountError) Error() string {
	gone := errors.Is(e.err, syscall.ENOTCONN) || errors.Is(e.err, syscall.ENXIO)
	switch {
	case gone && e.ended:
		return fmt.Sprintf("the discstage mount at %s has ended, its process gone (%v): mount it again to go on; the staged changes are kept", e.dir, e.err)
	case gone && e.fs != nil:
		return fmt.Sprintf("%s is not a discstage mount: it is the mount point of %s (%s), whose process has ended (%v); discstage leaves it alone", e.dir, e.fs.Source, e.fs.Type, e.err)
	case gone:
		return fmt.Sprintf("%s does not answer: the file system mounted there has ended, its process gone (%v); if it was a discstage mount, mount it again to go on, its staged changes are kept", e.dir, e.err)
	case e.err != nil:
		return fmt.Sprintf("%s is not a discstage mount: %v", e.dir, e.err)
	case e.fs == nil:
		return fmt.Sprintf("%s is not a discstage mount", e.dir)
	}
	return fmt.Sprintf("%s is not a discstage mount: it is the mount point of %s (%s), which discstage leaves alone", e.dir, e.fs.Source, e.fs.Type)
}

func (e *notMountError) Is(target error) bool { return target == errNotMount }
func (e *notMountError) Unwrap() error        { return e.err }

// mountAt and systemUnmount are the system's mount table and unmount.
var (
	mountAt       = platform.MountAt
	systemUnmount = platform.Unmount
)

// endMount unmounts the mount at mp. It asks the mount first to end
// itself, through the control action "unmount": on Windows that is the
// only way, the mount's own process holding WinFsp's host, and the
// cgofuse adapter answers it on every system. The mount commits
// nothing; what is staged stays in the staging area. A mount that
// refuses (a commit runs, files are open in it) stays, and its reason
// is the error. A mount that leaves unmounting to the system (go-fuse
// answers EOPNOTSUPP), and a dead discstage mount (its process killed,
// so its control file answers nothing), go to the system's unmount
// (fusermount -u on Linux). Which file system is mounted at mp is told
// by the system's mount table (its type is fs.MountType for discstage's
// own, whichever adapter made it): a folder that is no mount point, or
// the mount point of another file system, is refused and left alone.
// Where there is no mount table to ask (Windows) the system's unmount
// is tried only when the control file's error tells of a mount that
// leaves unmounting to the system (EOPNOTSUPP) or one whose process is
// gone (ENOTCONN, ENXIO); any other error stands, as it does where there
// is no system unmount either (Windows): nothing is mounted there.
func endMount(mp string) error {
	err := control(mp, "unmount", "")
	if err == nil {
		return nil
	}
	var ae *actionError
	if errors.As(err, &ae) && ae.Errno != syscall.EOPNOTSUPP {
		return fmt.Errorf("unmount %s: %w", mp, err)
	}
	if errors.Is(err, os.ErrPermission) {
		// Another user's mount: the system would refuse too, in its
		// own words.
		return err
	}
	m, ok, merr := mountAt(mp)
	switch {
	case errors.Is(merr, platform.ErrUnsupported):
		if !errors.Is(err, syscall.EOPNOTSUPP) && !errors.Is(err, syscall.ENOTCONN) && !errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("unmount: %w", err)
		}
	case merr != nil:
		return fmt.Errorf("unmount %s: %w", mp, merr)
	case !ok:
		return fmt.Errorf("unmount: %w", &notMountError{dir: mp})
	case m.Type != fs.MountType:
		return fmt.Errorf("unmount: %w", &notMountError{dir: mp, fs: &m})
	}
	perr := systemUnmount(mp)
	if errors.Is(perr, platform.ErrUnsupported) {
		return fmt.Errorf("unmount %s: %w", mp, err)
	}
	return perr
}

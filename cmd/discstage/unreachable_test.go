package main

import (
	"errors"
	iofs "io/fs"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/fs"
	"github.com/discstage/discstage/platform"
)

// TestUnreachableSaysWhatTheTableSays: a control file that answers
// ENOTCONN is told as a discstage mount that has ended only when the
// mount table says discstage's file system is mounted there; a dead
// mount of another file system is named as such, and where there is no
// mount table the words claim neither.
func TestUnreachableSaysWhatTheTableSays(t *testing.T) {
	old := mountAt
	t.Cleanup(func() { mountAt = old })
	dead := &iofs.PathError{Op: "stat", Path: "/m/.discstage/status", Err: syscall.ENOTCONN}
	for _, c := range []struct {
		what     string
		m        platform.Mount
		err      error
		ended    bool
		contains string
	}{
		{"discstage", platform.Mount{Type: fs.MountType, Source: "discstage", Dead: true}, nil, true, "the discstage mount at /m has ended"},
		{"sshfs", platform.Mount{Type: "fuse.sshfs", Source: "me@host:", Dead: true}, nil, false, "/m is not a discstage mount: it is the mount point of me@host: (fuse.sshfs)"},
		{"no table", platform.Mount{}, platform.ErrUnsupported, false, "/m does not answer"},
	} {
		mountAt = func(string) (platform.Mount, bool, error) { return c.m, c.err == nil, c.err }
		err := unreachable("/m", dead)
		msg := err.Error()
		if !errors.Is(err, errNotMount) || !strings.Contains(msg, c.contains) {
			t.Errorf("%s: %q, want %q", c.what, msg, c.contains)
		}
		if got := strings.Contains(msg, "has ended") && strings.Contains(msg, "discstage mount at"); got != c.ended {
			t.Errorf("%s: says a discstage mount ended: %v, want %v: %q", c.what, got, c.ended, msg)
		}
	}
}

// TestUnreachablePermission: a control file this user may not reach is
// told as a permission error, not as no discstage mount.
func TestUnreachablePermission(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EACCES, syscall.EPERM} {
		err := unreachable("/m", &iofs.PathError{Op: "stat", Path: "/m/.discstage/status", Err: errno})
		if errors.Is(err, errNotMount) || !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), "/m") {
			t.Errorf("%v: %v", errno, err)
		}
	}
}

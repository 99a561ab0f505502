//go:build linux || darwin

package fs

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/staging"
	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Server is a running mount.
type Server struct {
	m *mount
}

// Mount mounts area at mountpoint and serves it until unmounted. The
// caller closes the area after Wait returns.
func Mount(mountpoint string, area *staging.Area, opts Options) (*Server, error) {
	if opts.WindowsNames {
		return nil, fmt.Errorf("%w: Windows names are the cgofuse adapter's", core.ErrUnsupported)
	}
	m := &mount{area: area, opts: opts, uid: uint32(os.Getuid()), gid: uint32(os.Getgid()), timeout: timeout}
	m.owner = core.Owner{UID: m.uid, GID: m.gid}
	m.sessions = core.NewSessions(area)
	m.control = &core.Control{Area: area, Opts: opts, Invalidate: m.invalidate,
		Unmount: func() error { return m.server.Unmount() }}
	m.root = &node{m: m, id: staging.RootID}
	m.keep = newKeeper(keepInodes)
	to := timeout
	neg := timeout
	fo := &gofs.Options{
		EntryTimeout:    &to,
		AttrTimeout:     &to,
		NegativeTimeout: &neg,
		RootStableAttr:  &gofs.StableAttr{Ino: staging.RootID},
		// A mode of 0 is a mode (see modes.go).
		NullPermissions: true,
		MountOptions: fuse.MountOptions{
			AllowOther:    opts.AllowOther,
			FsName:        mountName,
			Name:          mountName,
			MaxWrite:      1 << 20,
			DirectMount:   opts.DirectMount,
			Debug:         opts.Debug,
			DisableXAttrs: true,
			Options:       permissionOptions(opts.AllowOther, m.uid),
			EnableLocks:   true,
		},
	}
	var (
		srv *fuse.Server
		err error
	)
	reason := captureStderr(func() { srv, err = gofs.Mount(mountpoint, m.root, fo) })
	if err != nil {
		// go-fuse says only "fusermount exited with code 256"; the
		// reason is what fusermount printed.
		msg := strings.TrimSpace(err.Error())
		if reason != "" {
			msg = reason + " (" + msg + ")"
		}
		return nil, fmt.Errorf("%w at %q: %s", ErrMount, mountpoint, msg)
	}
	m.server = srv
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	go m.keep.run(m.root.EmbeddedInode(), srv.KernelSettings().SupportsNotify(fuse.NOTIFY_PRUNE), done)
	if opts.Button != nil {
		go m.watchButton(opts.Button, done)
	}
	return &Server{m: m}, nil
}

// permissionOptions are the mount options that decide who checks
// permissions. The kernel checks them from the mode bits, as on a local
// disk, whenever a user other than root can reach the mount: with
// allow_other, or when the mount's owner is not root (the owner's own
// files of mode 0444 are not writable). A mount of root's without
// allow_other reaches only root, whom the checks let through anyway
// (execution, which needs an x bit, the kernel checks without the
// option), so it goes without them: with default_permissions every
// create or remove in a directory makes the kernel ask the directory's
// attributes again (GETATTR) before the next name in it, as a create
// invalidates them. That is one round trip of the five cp -a makes
// per file (issue 18).
func permissionOptions(allowOther bool, uid uint32) []string {
	if allowOther || uid != 0 {
		return []string{"default_permissions"}
	}
	return nil
}

// captureStderr runs f with os.Stderr, which go-fuse hands to
// fusermount, replaced by a pipe, and returns what was written to it.
func captureStderr(f func()) string {
	r, w, err := os.Pipe()
	if err != nil {
		f()
		return ""
	}
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(r, 64<<10))
		io.Copy(io.Discard, r)
		r.Close()
		got <- string(b)
	}()
	saved := os.Stderr
	os.Stderr = w
	f()
	os.Stderr = saved
	w.Close()
	return strings.Join(strings.Fields(<-got), " ")
}

// Wait blocks until the mount is unmounted.
func (s *Server) Wait() { s.m.server.Wait() }

// Unmount unmounts; staged changes stay in the area.
func (s *Server) Unmount() error { return s.m.server.Unmount() }

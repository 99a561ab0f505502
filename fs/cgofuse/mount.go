//go:build windows || (darwin && cgo) || (linux && cgo && fuse3)

package cgofuse

import (
	"fmt"
	iofs "io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/staging"
	"github.com/winfsp/cgofuse/fuse"
)

// Server is a running mount.
type Server struct {
	host *fuse.FileSystemHost
	fs   *filesys
	done chan struct{} // closed when the host's loop has ended
}

// Mount mounts area at mountpoint (a folder, or on Windows also a drive
// letter such as "X:") and returns once the mount serves. The caller
// closes the area after Wait returns.
func Mount(mountpoint string, area *staging.Area, opts core.Options) (*Server, error) {
	f := &filesys{area: area, opts: opts, ready: make(chan struct{}),
		handles: map[uint64]*openFile{}, hidden: map[string]*staging.Handle{},
		owner:    core.Owner{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())},
		sessions: core.NewSessions(area)}
	f.statusMode.Store(0o444)
	var fsi fuse.FileSystemInterface = f
	if opts.WindowsNames || runtime.GOOS == "windows" {
		fsi = &winNames{filesys: f}
	}
	host := fuse.NewFileSystemHost(fsi)
	host.SetUseIno(true)
	host.SetCapOpenTrunc(true)
	s := &Server{host: host, fs: f, done: make(chan struct{})}
	f.control = &core.Control{Area: area, Opts: opts, Unmount: s.Unmount, End: s.end}
	f.end = func() { s.host.Unmount() }
	mounted := make(chan error, 1)
	go func() {
		defer close(s.done)
		defer func() {
			// cgofuse panics when it finds no FUSE library (WinFsp not
			// installed); that is a refused mount, not a crash.
			if r := recover(); r != nil {
				mounted <- fmt.Errorf("%w at %q: %v (%s)", core.ErrMount, mountpoint, r, libraryHint)
			}
		}()
		if !host.Mount(mountpoint, mountOptions(opts)) {
			mounted <- fmt.Errorf("%w at %q: the FUSE library refused it", core.ErrMount, mountpoint)
			return
		}
		mounted <- nil
	}()
	select {
	case <-f.ready:
		return s, nil
	case err := <-mounted:
		if err == nil {
			return s, nil // served and ended already
		}
		return nil, err
	}
}

// libraryHint names the FUSE library a mount needs here.
var libraryHint = map[string]string{
	"windows": "is WinFsp installed? https://winfsp.dev",
	"darwin":  "is macFUSE or FUSE-T installed?",
	"linux":   "is libfuse3 installed?",
}[runtime.GOOS]

// mountOptions are the FUSE options of a mount.
func mountOptions(opts core.Options) []string {
	var o []string
	if runtime.GOOS == "windows" {
		// WinFsp: the mounting user owns the files it shows.
		o = append(o, "uid=-1", "gid=-1", "volname="+core.MountName)
	} else {
		o = append(o, "fsname="+core.MountName, "subtype="+core.MountName, "default_permissions")
	}
	if runtime.GOOS == "linux" {
		// libfuse 3.12 to 3.14's fuse_main hands its default of no
		// limit (UINT_MAX) to fuse_loop_cfg_set_idle_threads, which
		// refuses it and prints "Ignoring invalid max threads value
		// 4294967295 > max (100000)" at every mount. 10 is the default
		// of libfuse before 3.12 and of max_threads, so no worker is
		// ever reaped that would not be anyway. (libfuse 3.2 and later
		// know the option; macFUSE's libfuse 2 does not, so it is
		// given on Linux only.)
		o = append(o, "max_idle_threads=10")
	}
	if opts.AllowOther {
		o = append(o, "allow_other")
	}
	args := []string{"-o", strings.Join(o, ",")}
	if opts.Debug {
		args = append(args, "-d")
	}
	return args
}

// Wait blocks until the mount is unmounted.
func (s *Server) Wait() { <-s.done }

// Unmount unmounts; staged changes stay in the area.
func (s *Server) Unmount() error {
	if !s.host.Unmount() {
		return fmt.Errorf("fs: unmount: %w", staging.ErrBusy)
	}
	return nil
}

// statusPerm is the status file's permission bits as a file mode.
func statusPerm(m uint32) iofs.FileMode { return iofs.FileMode(m) }

// end is the control action "unmount" (core.Control.End): refused with
// core.ErrInUse while files are open in the mount, as the system
// refuses to unmount a busy file system; else the mount ends once the
// control file the action was written to is closed, so that the write
// is answered first (filesys.Release). The mount's process then closes
// the staging area, with what is staged in it, and ends.
func (s *Server) end() error {
	if n := s.fs.openFiles(); n > 0 {
		noun, them := "files are", "them"
		if n == 1 {
			noun, them = "file is", "it"
		}
		return fmt.Errorf("fs: unmount: %d %s open in the mount (close %s first): %w", n, noun, them, core.ErrInUse)
	}
	s.fs.ending.Store(true)
	return nil
}

//go:build linux || darwin

package fs

import (
	"fmt"
	"os"

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
	m := &mount{area: area, opts: opts, uid: uint32(os.Getuid()), gid: uint32(os.Getgid())}
	m.root = &node{m: m, id: staging.RootID}
	to := timeout
	neg := timeout
	fo := &gofs.Options{
		EntryTimeout:    &to,
		AttrTimeout:     &to,
		NegativeTimeout: &neg,
		RootStableAttr:  &gofs.StableAttr{Ino: staging.RootID},
		MountOptions: fuse.MountOptions{
			AllowOther:    opts.AllowOther,
			FsName:        "discstage",
			Name:          "discstage",
			MaxWrite:      1 << 20,
			DirectMount:   opts.DirectMount,
			Debug:         opts.Debug,
			DisableXAttrs: true,
			// The kernel checks permissions from the mode bits, as on
			// a local disk (this matters with AllowOther).
			Options:     []string{"default_permissions"},
			EnableLocks: true,
		},
	}
	srv, err := gofs.Mount(mountpoint, m.root, fo)
	if err != nil {
		return nil, fmt.Errorf("fs: mount %q: %w", mountpoint, err)
	}
	m.server = srv
	return &Server{m: m}, nil
}

// Wait blocks until the mount is unmounted.
func (s *Server) Wait() { s.m.server.Wait() }

// Unmount unmounts; staged changes stay in the area.
func (s *Server) Unmount() error { return s.m.server.Unmount() }

//go:build !windows && !(darwin && cgo) && !(linux && cgo && fuse3)

package cgofuse

import (
	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/staging"
)

// Available reports whether this build has the cgofuse adapter.
const Available = false

// Server is a running mount.
type Server struct{}

// Mount reports that this build has no cgofuse adapter.
func Mount(mountpoint string, area *staging.Area, opts core.Options) (*Server, error) {
	return nil, core.ErrUnsupported
}

// Wait returns at once: there is no mount.
func (s *Server) Wait() {}

// Unmount returns core.ErrUnsupported.
func (s *Server) Unmount() error { return core.ErrUnsupported }

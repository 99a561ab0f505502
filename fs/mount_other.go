//go:build !linux && !darwin

package fs

import "github.com/discstage/discstage/staging"

// Server is a running mount.
type Server struct{}

// Mount reports that this operating system has no FUSE adapter.
func Mount(mountpoint string, area *staging.Area, opts Options) (*Server, error) {
	return nil, ErrUnsupported
}

// Wait returns at once: there is no mount.
func (s *Server) Wait() {}

// Unmount returns ErrUnsupported.
func (s *Server) Unmount() error { return ErrUnsupported }

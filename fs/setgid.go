//go:build linux || darwin

package fs

import (
	"context"
	iofs "io/fs"

	"github.com/discstage/discstage/fs/core"
)

// The set-group-ID rule is fs/core's (NewOwner, NewDirMode), shared
// with the cgofuse adapter.

// newOwner is the owner of an entry the caller makes in directory n.
func (n *node) newOwner(ctx context.Context) (uid, gid uint32) {
	uid, gid = caller(ctx)
	if a, err := n.m.area.Getattr(n.id); err == nil {
		return core.NewOwner(a, uid, gid)
	}
	return uid, gid
}

// newDirMode is the mode of a directory made in directory n with mode.
func (n *node) newDirMode(mode iofs.FileMode) iofs.FileMode {
	if a, err := n.m.area.Getattr(n.id); err == nil {
		return core.NewDirMode(a, mode)
	}
	return mode
}

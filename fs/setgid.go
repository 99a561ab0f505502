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

// newDir is the owner and mode of a directory the caller makes in
// directory n with mode, from one look at n.
func (n *node) newDir(ctx context.Context, mode iofs.FileMode) (uid, gid uint32, m iofs.FileMode) {
	uid, gid = caller(ctx)
	if a, err := n.m.area.Getattr(n.id); err == nil {
		uid, gid = core.NewOwner(a, uid, gid)
		mode = core.NewDirMode(a, mode)
	}
	return uid, gid, mode
}

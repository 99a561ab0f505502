//go:build linux || darwin

package fs

import (
	"context"
	iofs "io/fs"
)

// The set-group-ID rule of local file systems, which the kernel leaves
// to a FUSE file system: an entry made in a directory with the
// set-group-ID bit belongs to the directory's group, and a directory
// made there gets the bit too (the kernel itself drops the bit from a
// new file whose caller is not in that group).

// newOwner is the owner of an entry the caller makes in directory n.
func (n *node) newOwner(ctx context.Context) (uid, gid uint32) {
	uid, gid = caller(ctx)
	if a, err := n.m.area.Getattr(n.id); err == nil && a.Mode&iofs.ModeSetgid != 0 {
		gid = a.GID
	}
	return uid, gid
}

// newDirMode is the mode of a directory made in directory n with mode.
func (n *node) newDirMode(mode iofs.FileMode) iofs.FileMode {
	if a, err := n.m.area.Getattr(n.id); err == nil && a.Mode&iofs.ModeSetgid != 0 {
		mode |= iofs.ModeSetgid
	}
	return mode
}

package core

import (
	iofs "io/fs"

	"github.com/discstage/discstage/staging"
)

// The set-group-ID rule of local file systems, which the kernel leaves
// to a FUSE file system and every adapter applies through these two
// functions: an entry made in a directory with the set-group-ID bit
// belongs to the directory's group, and a directory made there gets the
// bit too (the kernel itself drops the bit from a new file whose caller
// is not in that group).

// NewOwner returns the owner of an entry that the caller uid, gid
// makes in the directory dir.
func NewOwner(dir staging.Attr, uid, gid uint32) (uint32, uint32) {
	if dir.Mode&iofs.ModeSetgid != 0 {
		gid = dir.GID
	}
	return uid, gid
}

// NewDirMode returns the mode of a directory made with mode in the
// directory dir.
func NewDirMode(dir staging.Attr, mode iofs.FileMode) iofs.FileMode {
	if dir.Mode&iofs.ModeSetgid != 0 {
		mode |= iofs.ModeSetgid
	}
	return mode
}

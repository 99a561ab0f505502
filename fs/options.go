package fs

import "github.com/discstage/discstage/fs/core"

// ControlName is the name of the control folder at the mount's root.
const ControlName = core.ControlName

// MountType is the file system type the kernel lists for a mount
// (fuse.NAME).
const MountType = "fuse." + mountName

// mountName is the name a mount is made with.
const mountName = core.MountName

// ErrUnsupported: this operating system has no FUSE adapter.
var ErrUnsupported = core.ErrUnsupported

// ErrMount: the kernel or fusermount refused the mount.
var ErrMount = core.ErrMount

// Options tune a mount (core.Options, which every adapter takes).
type Options = core.Options

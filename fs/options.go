package fs

import (
	"errors"
	"time"

	"github.com/discstage/discstage/staging"
)

// ControlName is the name of the control folder at the mount's root.
const ControlName = ".discstage"

// MountType is the file system type the kernel lists for a mount
// (fuse.NAME).
const MountType = "fuse." + mountName

// mountName is the name a mount is made with.
const mountName = "discstage"

// ErrUnsupported: this operating system has no FUSE adapter.
var ErrUnsupported = errors.New("fs: mounting is not supported on this operating system")

// Options tune a mount.
type Options struct {
	// AllowOther lets other users see the mount.
	AllowOther bool
	// DirectMount mounts with mount(2) instead of fusermount (needs root).
	DirectMount bool
	// Debug logs every FUSE request.
	Debug bool
	// NoPassthrough serves every read and write through FUSE requests,
	// even where the kernel could use the staged data file directly
	// (passthrough needs Linux 6.9 and privileges; without them the
	// mount falls back to requests by itself).
	NoPassthrough bool
	// Commit holds the options of commits started through ctl (volume
	// ID, how long to wait for staged files open for writing).
	Commit staging.CommitOptions
	// Eject, if set, is called after an "eject" action's commit, before
	// the mount goes away: it opens the drive's tray. Image targets
	// leave it nil.
	Eject func() error
	// Button, if set, is the drive whose eject button the mount answers
	// (button.go): the tray stays locked while changes are staged, and
	// a press commits them, then ejects and unmounts. ButtonPoll is how
	// often it is asked (DefaultButtonPoll when 0).
	Button     EjectButton
	ButtonPoll time.Duration
}

package core

import (
	"errors"
	"time"

	"github.com/discstage/discstage/staging"
)

// ControlName is the name of the control folder at the mount's root.
const ControlName = ".discstage"

// MountName is the name a mount is made with (the file system's source
// and subtype).
const MountName = "discstage"

// ErrUnsupported: this operating system (or build) has no such mount
// adapter.
var ErrUnsupported = errors.New("fs: mounting is not supported on this operating system")

// ErrMount: the kernel, fusermount or the FUSE library refused the
// mount.
var ErrMount = errors.New("fs: mount refused")

// Options tune a mount; every adapter takes the same.
type Options struct {
	// AllowOther lets other users see the mount.
	AllowOther bool
	// DirectMount mounts with mount(2) instead of fusermount (needs
	// root; go-fuse only).
	DirectMount bool
	// Debug logs every FUSE request.
	Debug bool
	// NoPassthrough serves every read and write through FUSE requests,
	// even where the kernel could use the staged data file directly
	// (passthrough needs Linux 6.9 and privileges; without them the
	// mount falls back to requests by itself; go-fuse only).
	NoPassthrough bool
	// WindowsNames shows every name through platform/winname's
	// mapping, so that names Windows cannot show (":", "?", a trailing
	// dot, "CON") show and open under their mapped names while the disc
	// keeps them as they are. The cgofuse adapter always does so on
	// Windows; elsewhere this asks for it (the tests do; go-fuse
	// refuses it).
	WindowsNames bool
	// Commit holds the options of commits started through ctl (volume
	// ID, how long to wait for staged files open for writing).
	Commit staging.CommitOptions
	// Eject, if set, is called after an "eject" action's commit, before
	// the mount goes away: it opens the drive's tray. Image targets
	// leave it nil.
	Eject func() error
	// Button, if set, is the drive whose eject button the mount answers
	// (fs/button.go): the tray stays locked while changes are staged,
	// and a press commits them, then ejects and unmounts. ButtonPoll is
	// how often it is asked (DefaultButtonPoll when 0).
	Button     EjectButton
	ButtonPoll time.Duration
}

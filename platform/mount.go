// Package platform holds discstage's per-operating-system code behind
// small portable functions. Its mount helpers tell whether a folder is a
// mount point and unmount a FUSE mount, so the CLI can wait for a mount
// to appear and take it down.
package platform

import "errors"

// ErrUnsupported: the operating system has no such facility.
var ErrUnsupported = errors.New("platform: not supported on this operating system")

// ErrAllowOther: this user may not mount with allow_other.
var ErrAllowOther = errors.New("platform: allow_other is not permitted to this user")

// Mount is a file system mounted somewhere.
type Mount struct {
	Type   string // "fuse.discstage" for discstage's own
	Source string // "discstage" for discstage's own
	Dead   bool   // a FUSE file system whose process is gone: "Transport endpoint is not connected"
}

//go:build windows

package cgofuse

import "github.com/winfsp/cgofuse/fuse"

const (
	eSTALE    = fuse.EIO
	eSHUTDOWN = fuse.EIO
	// passErrno: Windows error numbers are not errno values.
	passErrno = false
	// ownerOnly: WinFsp maps Windows accounts to uids of its own, so
	// the control folder does not check the caller's.
	ownerOnly = false
)

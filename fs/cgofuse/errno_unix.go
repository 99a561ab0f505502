//go:build (darwin && cgo) || (linux && cgo && fuse3)

package cgofuse

import "syscall"

const (
	eSTALE    = int(syscall.ESTALE)
	eSHUTDOWN = int(syscall.ESHUTDOWN)
	// passErrno: cgofuse's errno values are the system's.
	passErrno = true
	// ownerOnly: the control folder answers to the mount's owner (and
	// root) alone.
	ownerOnly = true
)

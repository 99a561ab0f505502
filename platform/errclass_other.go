//go:build !windows

package platform

import "syscall"

var (
	noSpaceErrors = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT}
	ioErrors      = []syscall.Errno{syscall.EIO}
)

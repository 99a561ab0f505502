//go:build windows

package platform

import "syscall"

var (
	noSpaceErrors = append([]syscall.Errno{syscall.ENOSPC}, windowsNoSpace...)
	ioErrors      = append([]syscall.Errno{syscall.EIO}, windowsIO...)
)

//go:build linux

package platform

import (
	"os"
	"syscall"
)

func markWriting(f *os.File)   { syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) }
func unmarkWriting(f *os.File) { unlockFile(f) }

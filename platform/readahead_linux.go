//go:build linux

package platform

import (
	"os"

	"golang.org/x/sys/unix"
)

func willNeed(f *os.File, off, n int64) {
	c, err := f.SyscallConn()
	if err != nil {
		return
	}
	c.Control(func(fd uintptr) { unix.Fadvise(int(fd), off, n, unix.FADV_WILLNEED) }) //nolint:errcheck // a hint
}

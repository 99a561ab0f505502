//go:build linux

package platform

import (
	"os"

	"golang.org/x/sys/unix"
)

func willNeed(f *os.File, off, n int64) {
	onFD(f, func(fd int) { unix.Fadvise(fd, off, n, unix.FADV_WILLNEED) }) //nolint:errcheck // a hint
}

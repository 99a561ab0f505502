//go:build linux

package platform

import (
	"os"

	"golang.org/x/sys/unix"
)

func startWriteback(f *os.File, off, n int64) {
	onFD(f, func(fd int) { unix.SyncFileRange(fd, off, n, unix.SYNC_FILE_RANGE_WRITE) }) //nolint:errcheck // a hint
}

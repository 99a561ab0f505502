//go:build linux

package staging

import (
	"os"

	"golang.org/x/sys/unix"
)

// fallocate allocates n bytes of f from off on.
func fallocate(f *os.File, off, n int64) error {
	return unix.Fallocate(int(f.Fd()), 0, off, n)
}

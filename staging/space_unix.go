//go:build !windows

package staging

import "os"

// preallocate makes f take n bytes of disk from off on: with
// fallocate(2) where the system has it, else by writing zeros.
func preallocate(f *os.File, off, n int64) error {
	if err := fallocate(f, off, n); err == nil || isNoSpace(err) {
		return err
	}
	return writeZeros(f, off, n)
}

//go:build windows

package staging

import "os"

// preallocate makes f take n bytes of disk from off on, by writing
// zeros.
func preallocate(f *os.File, off, n int64) error { return writeZeros(f, off, n) }

//go:build !linux && !windows

package platform

import "os"

// fileLockHolder is 0: the system does not tell.
func fileLockHolder(f *os.File) int { return 0 }

//go:build unix

package master_test

import (
	"os"
	"syscall"
)

// diskUsage returns the bytes a file occupies on disk, if the system
// says.
func diskUsage(path string) (int64, bool) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int64(sys.Blocks) * 512, true
}

//go:build !linux

package staging

import (
	"os"
	"time"
)

// setDataTimes sets an open data file's access and modification times.
func setDataTimes(f *os.File, atime, mtime time.Time) error {
	return os.Chtimes(f.Name(), atime, mtime)
}

//go:build !linux && !windows

package staging

import (
	"errors"
	"os"
)

// fallocate is not offered here; preallocate writes zeros instead.
func fallocate(f *os.File, off, n int64) error {
	return errors.ErrUnsupported
}

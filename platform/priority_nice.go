//go:build unix

package platform

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// raisedNice is the nice value a raise sets.
const raisedNice = -10

// niceError is the error of setting who (the process, a thread) to
// raisedNice: one wrapping ErrPriority when the process may not.
func niceError(who string, err error) error {
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w: set nice %d: %v", ErrPriority, raisedNice, err)
	}
	return fmt.Errorf("set nice %d of %s: %w", raisedNice, who, err)
}

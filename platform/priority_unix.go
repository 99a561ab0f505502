//go:build unix && !linux

package platform

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// raisePriority sets the process to raisedNice: on BSD systems and
// macOS a nice value is the whole process's.
func raisePriority() (restore func(), err error) {
	old, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("getpriority: %w", err)
	}
	if old <= raisedNice {
		return func() {}, nil
	}
	if err := unix.Setpriority(unix.PRIO_PROCESS, 0, raisedNice); err != nil {
		return nil, niceError("the process", err)
	}
	return func() { unix.Setpriority(unix.PRIO_PROCESS, 0, old) }, nil
}

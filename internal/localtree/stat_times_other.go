//go:build unix && !linux && !darwin && !freebsd && !netbsd

package localtree

import (
	"syscall"
	"time"
)

// statTimes gives no access or change time where Stat_t's layout is not
// known here; the writer then uses the modification time.
func statTimes(*syscall.Stat_t) (atime, ctime time.Time) { return time.Time{}, time.Time{} }

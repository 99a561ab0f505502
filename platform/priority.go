package platform

import (
	"errors"
	"sync"
)

// Keeping pace with a device. A drive records at its own speed from a
// buffer of a few megabytes, a quarter of a second at BD-R 16×; the
// process feeding it must read, hash and send the session at that pace
// however busy the machine is. Under a load that holds every core the
// scheduler gives each thread its share: measured with bench/fifo.sh,
// two busy loops on two cores starved a BD-R's 4 MiB FIFO over a
// thousand times a burn at the default priority and 13 times at nice
// -10 (a 32 MiB one 302 times and never). cdrecord raises itself to
// real-time scheduling for the same reason; a Go process with its
// collector and a hash that keeps a core busy should not, and a raised
// priority among normal ones is enough. On Linux nice ranks threads
// within their scheduling group, and groups (the kernel's autogroup, one
// per session) share the machine by their own nice value: the raise
// raises the process's group too, so that a load started from another
// terminal does not take the machine from it (bench/fifo.sh LOAD_APART:
// 1,278 times empty at 32 MiB, and never). A load in another cgroup
// shares the machine by its cgroup's weight, which no nice value
// changes.

// ErrPriority: the process may not raise its priority (on Linux: it has
// no CAP_SYS_NICE, which root in a container may lack too, and no
// RLIMIT_NICE that allows it).
var ErrPriority = errors.New("platform: the process may not raise its priority")

var raised struct {
	sync.Mutex
	n       int    // raises not yet restored
	restore func() // undoes the raise once n is back to 0
}

// RaisePriority raises the scheduling priority of the whole process,
// every thread of it (Linux: nice -10, and its autogroup; other Unix
// systems likewise; Windows: the above-normal class), for work that must keep pace with a
// device, and returns the function that restores it. Raises nest: the
// first raises, the last restore restores. A thread (Linux) or process
// already running at a higher priority keeps it, and each gets its own
// value back. When the raise is refused the error wraps ErrPriority and
// restore does nothing.
func RaisePriority() (restore func(), err error) {
	raised.Lock()
	defer raised.Unlock()
	if raised.n == 0 {
		undo, err := raisePriority()
		if err != nil {
			return func() {}, err
		}
		raised.restore = undo
	}
	raised.n++
	return sync.OnceFunc(func() {
		raised.Lock()
		defer raised.Unlock()
		if raised.n--; raised.n == 0 {
			raised.restore()
			raised.restore = nil
		}
	}), nil
}

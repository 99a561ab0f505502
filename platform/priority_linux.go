package platform

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// raisedNice is the nice value a raise sets.
const raisedNice = -10

// raisePriority sets every thread of the process to raisedNice: on
// Linux a nice value is a thread's, and a thread takes its creator's. A
// thread the runtime starts during a pass is caught by the next one.
func raisePriority() (restore func(), err error) {
	// The raw system call answers 20 - nice.
	p, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("getpriority: %w", err)
	}
	old := 20 - p
	if old <= raisedNice {
		return func() {}, nil
	}
	if err := setThreadsNice(raisedNice); err != nil {
		setThreadsNice(old)
		return nil, err
	}
	return func() { setThreadsNice(old) }, nil
}

// setThreadsNice sets every thread of the process to nice n, until a
// pass finds no thread it had not set.
func setThreadsNice(n int) error {
	done := map[int]bool{}
	for pass := 0; pass < 8; pass++ {
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("set nice %d: %w", n, err)
		}
		fresh := false
		for _, e := range ents {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || done[tid] {
				continue
			}
			fresh = true
			if err := unix.Setpriority(unix.PRIO_PROCESS, tid, n); err != nil && err != unix.ESRCH {
				if err == unix.EACCES || err == unix.EPERM {
					return fmt.Errorf("%w: set nice %d: %v", ErrPriority, n, err)
				}
				return fmt.Errorf("set nice %d of thread %d: %w", n, tid, err)
			}
			done[tid] = true
		}
		if !fresh {
			return nil
		}
	}
	return nil
}

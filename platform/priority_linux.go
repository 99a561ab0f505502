package platform

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// raisedNice is the nice value a raise sets.
const raisedNice = -10

// threadNice is the nice value of thread tid (0: the calling thread).
func threadNice(tid int) (int, error) {
	p, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
	return 20 - p, err // the raw system call answers 20 - nice
}

// threads lists the thread ids of the process.
func threads() ([]int, error) {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, err
	}
	tids := make([]int, 0, len(ents))
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

// raisePriority sets every thread of the process that runs above
// raisedNice to it: on Linux a nice value is a thread's, and a thread
// takes its creator's, so passes over the process's threads go on until
// one finds none it had not seen. Restoring puts each thread the raise
// set back to its own old value, and a thread started meanwhile to the
// old value of the process's first thread, unless something else set
// it to another value since.
func raisePriority() (restore func(), err error) {
	mainOld, err := threadNice(os.Getpid())
	if err != nil {
		return nil, fmt.Errorf("getpriority: %w", err)
	}
	old := map[int]int{}     // the threads the raise set, and their values before
	raised := map[int]bool{} // the threads the raise looked at
	undo := func() {
		done := map[int]bool{}
		for pass := 0; pass < maxPasses; pass++ {
			tids, err := threads()
			if err != nil {
				return
			}
			fresh := false
			for _, tid := range tids {
				if done[tid] {
					continue
				}
				done[tid], fresh = true, true
				if n, err := threadNice(tid); err != nil || n != raisedNice {
					continue // gone, or set to another value since
				}
				if to, ok := old[tid]; ok {
					unix.Setpriority(unix.PRIO_PROCESS, tid, to)
				} else if !raised[tid] {
					unix.Setpriority(unix.PRIO_PROCESS, tid, mainOld) // started meanwhile
				}
			}
			if !fresh {
				return
			}
		}
	}
	for pass := 0; pass < maxPasses; pass++ {
		tids, err := threads()
		if err != nil {
			undo()
			return nil, fmt.Errorf("set nice %d: %w", raisedNice, err)
		}
		fresh := false
		for _, tid := range tids {
			if raised[tid] {
				continue
			}
			raised[tid], fresh = true, true
			n, err := threadNice(tid)
			if err != nil || n <= raisedNice {
				continue // gone, or already at a higher priority
			}
			if err := unix.Setpriority(unix.PRIO_PROCESS, tid, raisedNice); err != nil {
				if errors.Is(err, unix.ESRCH) {
					continue
				}
				undo()
				if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
					return nil, fmt.Errorf("%w: set nice %d: %v", ErrPriority, raisedNice, err)
				}
				return nil, fmt.Errorf("set nice %d of thread %d: %w", raisedNice, tid, err)
			}
			old[tid] = n
		}
		if !fresh {
			break
		}
	}
	return undo, nil
}

// maxPasses bounds the passes over the process's threads: a thread the
// runtime starts after the last one runs at its creator's value.
const maxPasses = 8

package platform

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

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

// raisePriority raises every thread of the process (raiseThreads) and,
// where the kernel groups processes by session, the process's group
// (raiseAutogroup).
func raisePriority() (restore func(), err error) {
	undoThreads, err := raiseThreads()
	if err != nil {
		return nil, err
	}
	undoGroup := raiseAutogroup()
	return func() {
		undoGroup()
		undoThreads()
	}, nil
}

// autogroupFile holds the nice value of the process's autogroup.
const autogroupFile = "/proc/self/autogroup"

// raiseAutogroup sets the nice value of the process's autogroup to
// raisedNice, where the kernel groups processes by session: nice ranks
// threads within their group, and groups share the machine by their own
// value, so that a load started from another terminal (another
// session's group) would otherwise get as much of it as the whole of
// this process. It returns the function that gives the group its value
// back, unless something set another since. Where there is no such
// group, or the process may not raise it, it does nothing.
func raiseAutogroup() (restore func()) {
	none := func() {}
	old, ok := autogroupNice()
	if !ok || old <= raisedNice {
		return none
	}
	if os.WriteFile(autogroupFile, []byte(strconv.Itoa(raisedNice)), 0) != nil {
		return none
	}
	return func() {
		if n, ok := autogroupNice(); ok && n == raisedNice {
			os.WriteFile(autogroupFile, []byte(strconv.Itoa(old)), 0)
		}
	}
}

// autogroupNice reads the nice value of the process's autogroup
// ("/autogroup-17 nice 0").
func autogroupNice() (int, bool) {
	b, err := os.ReadFile(autogroupFile)
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[1] != "nice" {
		return 0, false
	}
	n, err := strconv.Atoi(f[2])
	return n, err == nil
}

// raiseThreads sets every thread of the process that runs above
// raisedNice to it: on Linux a nice value is a thread's, and a thread
// takes its creator's, so passes over the process's threads go on until
// one finds none it had not seen. Restoring puts each thread the raise
// set back to its own old value, and a thread started meanwhile to the
// old value of the process's first thread, unless something else set
// it to another value since.
func raiseThreads() (restore func(), err error) {
	mainOld, err := threadNice(os.Getpid())
	if err != nil {
		return nil, fmt.Errorf("getpriority: %w", err)
	}
	old := map[int]int{}   // the threads the raise set, and their values before
	seen := map[int]bool{} // the threads the raise looked at
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
				} else if !seen[tid] {
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
			if seen[tid] {
				continue
			}
			seen[tid], fresh = true, true
			n, err := threadNice(tid)
			if err != nil || n <= raisedNice {
				continue // gone, or already at a higher priority
			}
			if err := unix.Setpriority(unix.PRIO_PROCESS, tid, raisedNice); err != nil {
				if errors.Is(err, unix.ESRCH) {
					continue
				}
				undo()
				return nil, niceError(fmt.Sprintf("thread %d", tid), err)
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

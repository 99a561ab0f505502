package platform

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

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

// raisePriority raises every thread of the process (threadRaiser) and,
// where the kernel groups processes by session, the process's group
// (raiseAutogroup).
func raisePriority() (restore func(), err error) {
	undoThreads, err := processThreads.raise()
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

// threadTable is what a raise needs of the process's threads: their
// ids, and their nice values to read and set.
type threadTable interface {
	threads() ([]int, error)
	nice(tid int) (int, error)
	setNice(tid, n int) error
}

// procThreads is the process's threads, as /proc and the scheduler
// know them.
type procThreads struct{}

func (procThreads) threads() ([]int, error)   { return threads() }
func (procThreads) nice(tid int) (int, error) { return threadNice(tid) }
func (procThreads) setNice(tid, n int) error  { return unix.Setpriority(unix.PRIO_PROCESS, tid, n) }

// A threadRaiser raises the threads of a process. On Linux a nice value
// is a thread's, and a thread takes its creator's at its start, so
// passes over the process's threads go on until one finds none it had
// not seen. A thread being started as its creator is raised may take
// the creator's value from before and show up only after the last pass:
// while the raise holds, a pass every watchEvery raises what such a
// race let through. Restoring puts each thread the raise set back to
// its own old value, and a thread started meanwhile to the value most
// threads had before (a thread, the first one too, may have been set
// apart), unless something else set it to another value since; the
// same race the other way leaves a thread at the raise's value, so
// passes go on for undoFor after restoring, unless the process is
// raised again. Raises and restores are called under raised's lock.
type threadRaiser struct {
	table   threadTable
	undoing struct{ stop, done chan struct{} } // the passes of the last restore
}

// processThreads raises the threads of this process.
var processThreads = &threadRaiser{table: procThreads{}}

// raise sets every thread that runs above raisedNice to it and keeps
// doing so, for threads started later, until restored.
func (tr *threadRaiser) raise() (restore func(), err error) {
	if tr.undoing.stop != nil {
		close(tr.undoing.stop)
		<-tr.undoing.done
		tr.undoing.stop, tr.undoing.done = nil, nil
	}
	r := &threadRaise{table: tr.table, old: map[int]int{}, before: map[int]bool{}, usual: raisedNice}
	first := true
	if err := untilNoneNew(func() (bool, error) {
		fresh, err := r.pass(first)
		first = false
		return fresh, err
	}); err != nil {
		r.undo()
		return nil, err
	}
	// A thread started in a race with the passes has mostly shown up
	// a moment later: the work that follows starts raised.
	time.Sleep(settle)
	r.pass(false)
	stop, done := repeat(watchEvery, 0, func() { r.pass(false) })
	return func() {
		close(stop)
		<-done
		r.undo()
		tr.undoing.stop, tr.undoing.done = repeat(watchEvery, int(undoFor/watchEvery), r.undo)
	}, nil
}

// repeat calls f every d, n times (0: until stopped), in a goroutine of
// its own; closing stop stops it, and done is closed once it has.
func repeat(d time.Duration, n int, f func()) (stop, done chan struct{}) {
	stop, done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(d)
		defer tick.Stop()
		for i := 0; n == 0 || i < n; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				f()
			}
		}
	}()
	return stop, done
}

// threadRaise is a raise of the process's threads in progress.
type threadRaise struct {
	table  threadTable
	usual  int          // the value most threads had before (usual)
	old    map[int]int  // the threads the raise set, and their values before
	before map[int]bool // the threads the raise looked at: true for those there when it began
}

// pass raises the threads it has not seen yet (first: the threads there
// before the raise) and reports whether there were any.
func (r *threadRaise) pass(first bool) (fresh bool, err error) {
	tids, err := r.table.threads()
	if err != nil {
		return false, fmt.Errorf("set nice %d: %w", raisedNice, err)
	}
	var was map[int]int // how many threads have each value, at the first pass
	if first {
		was = map[int]int{}
	}
	for _, tid := range tids {
		if _, seen := r.before[tid]; seen {
			continue
		}
		r.before[tid], fresh = first, true
		n, err := r.table.nice(tid)
		if err != nil {
			continue // gone
		}
		if first {
			was[n]++
		}
		if n <= raisedNice {
			continue // already at a higher priority
		}
		if err := r.table.setNice(tid, raisedNice); err != nil {
			if errors.Is(err, unix.ESRCH) {
				continue
			}
			return fresh, niceError(fmt.Sprintf("thread %d", tid), err)
		}
		r.old[tid] = n
	}
	if first {
		r.usual = usual(was)
	}
	return fresh, nil
}

// undo gives the threads at raisedNice their values back: a thread the
// raise set its own, one started since the raise began the usual one; a
// thread at another value was set otherwise since, and one at
// raisedNice before the raise stays.
func (r *threadRaise) undo() {
	done := map[int]bool{}
	untilNoneNew(func() (fresh bool, err error) {
		tids, err := r.table.threads()
		if err != nil {
			return false, err
		}
		for _, tid := range tids {
			if done[tid] {
				continue
			}
			done[tid], fresh = true, true
			if n, err := r.table.nice(tid); err != nil || n != raisedNice {
				continue // gone, or set to another value since
			}
			if to, ok := r.old[tid]; ok {
				r.table.setNice(tid, to)
			} else if !r.before[tid] && r.usual > raisedNice {
				r.table.setNice(tid, r.usual) // started meanwhile
			}
		}
		return fresh, nil
	})
}

// untilNoneNew runs pass, a pass over the process's threads, until one
// finds no thread it had not seen, maxPasses times at most, or fails.
func untilNoneNew(pass func() (fresh bool, err error)) error {
	for range maxPasses {
		if fresh, err := pass(); err != nil || !fresh {
			return err
		}
	}
	return nil
}

// usual is the value most threads have, of how many have each value
// (of two as common, the lower priority's): what a thread started
// meanwhile would most likely have had. Knowing none, it is raisedNice.
func usual(was map[int]int) int {
	usual, most := raisedNice, 0
	for n, c := range was {
		if c > most || c == most && n > usual {
			usual, most = n, c
		}
	}
	return usual
}

// maxPasses bounds the passes over the process's threads: a thread the
// runtime starts after the last one runs at its creator's value.
const maxPasses = 8

// watchEvery is the time between passes while a raise holds and after
// a restore, undoFor the time those of a restore go on.
const (
	watchEvery = 50 * time.Millisecond
	undoFor    = 2 * time.Second
)

// settle is how long a raise waits for threads started in a race with
// its passes before it returns, and passes once more.
const settle = 10 * time.Millisecond

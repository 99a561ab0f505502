package platform

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// threadNices returns the nice value of every thread of the process.
func threadNices(t *testing.T) map[int]int {
	t.Helper()
	tids, err := threads()
	if err != nil {
		t.Fatal(err)
	}
	nices := map[int]int{}
	for _, tid := range tids {
		if n, err := threadNice(tid); err == nil {
			nices[tid] = n
		}
	}
	return nices
}

// lockedThreads holds n goroutines on threads of their own at once,
// which makes the runtime start threads, until release is called.
func lockedThreads(n int) (release func()) {
	got, done := make(chan struct{}), make(chan struct{})
	for range n {
		go func() {
			runtime.LockOSThread() // the thread ends with the goroutine
			got <- struct{}{}
			<-done
		}()
	}
	for range n {
		<-got
	}
	return func() { close(done) }
}

// eventually calls check until it finds nothing wrong, for half a
// minute at most, and reports what it found last: a raise or a restore
// reaches a thread started in a race with it at its next pass.
func eventually(t *testing.T, what string, check func() []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		bad := check()
		if len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, b := range bad {
				t.Errorf("%s: %s", what, b)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// heldThread runs a goroutine on a thread of its own at nice n until
// the returned function is called; it returns the thread's id. The
// thread ends with the goroutine, unless it is the process's first,
// which the runtime keeps: release gives it its value back first.
func heldThread(t *testing.T, n int) (tid int, release func()) {
	t.Helper()
	ids, done, ended := make(chan int), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		runtime.LockOSThread()
		old, err := threadNice(0)
		if err == nil {
			err = unix.Setpriority(unix.PRIO_PROCESS, 0, n)
		}
		if err != nil {
			ids <- -1
			return
		}
		ids <- unix.Gettid()
		<-done
		unix.Setpriority(unix.PRIO_PROCESS, 0, old)
	}()
	if tid = <-ids; tid < 0 {
		t.Fatalf("set a thread to nice %d", n)
	}
	return tid, func() { close(done); <-ended }
}

// Every thread of the process runs at nice -10 while a raise holds,
// threads started meanwhile too, a thread already higher keeps its
// value; restoring gives each thread its own value back, once the last
// of nested raises is restored. Where the process may not raise its
// priority (no CAP_SYS_NICE, as root in a container may lack, and no
// RLIMIT_NICE for it) the raise fails with ErrPriority and changes
// nothing.
func TestRaisePriority(t *testing.T) {
	base, err := threadNice(0)
	if err != nil {
		t.Fatal(err)
	}
	before := threadNices(t)
	restore1, err := RaisePriority()
	if errors.Is(err, ErrPriority) {
		restore1()
		for tid, n := range threadNices(t) {
			if b, ok := before[tid]; ok && n != b {
				t.Errorf("a refused raise moved thread %d from nice %d to %d", tid, b, n)
			}
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	restore1()

	// A thread reniced below the others and one already above the
	// raise (threads the runtime starts from them take their values).
	_, releaseLow := heldThread(t, 5)
	_, releaseHigh := heldThread(t, -15)
	defer releaseLow()
	defer releaseHigh()
	before = threadNices(t)
	// check lists the threads not at the value they should have, raised
	// or restored.
	check := func(raised bool) (bad []string) {
		for tid, n := range threadNices(t) {
			w, ok := before[tid]
			switch {
			case ok && raised:
				w = min(w, raisedNice)
			case !ok && raised:
				// Started meanwhile: raised, or higher from its creator.
				if n > raisedNice {
					bad = append(bad, fmt.Sprintf("thread %d started meanwhile at nice %d", tid, n))
				}
				continue
			case !ok:
				// Started since: at its creator's value, which is not
				// the raise's unless it was before.
				if n == raisedNice && base > raisedNice {
					bad = append(bad, fmt.Sprintf("thread %d started since is still at nice %d", tid, n))
				}
				continue
			}
			if n != w {
				bad = append(bad, fmt.Sprintf("thread %d at nice %d, want %d", tid, n, w))
			}
		}
		return bad
	}
	restore1, err = RaisePriority()
	if err != nil {
		t.Fatal(err)
	}
	restore2, err := RaisePriority()
	if err != nil {
		t.Fatal(err)
	}
	// Threads the runtime starts from now on are raised too.
	releaseLocked := lockedThreads(8)
	eventually(t, "raised", func() []string { return check(true) })
	restore2()
	restore2() // a second call does nothing
	eventually(t, "one raise of two restored", func() []string { return check(true) })
	restore1()
	eventually(t, "restored", func() []string { return check(false) })
	releaseLocked()
	defer lockedThreads(8)()
	eventually(t, "restored, threads started since", func() []string { return check(false) })
}

// Where the kernel groups processes by session (autogroup), the raise
// raises the process's group too, and restoring gives it its value
// back: against a load started from another terminal, in a group of its
// own, the threads' nice values alone count for nothing. The check runs
// in a process of its own, in a session of its own, so that no other
// test process raising its priority meanwhile (they share the test
// run's session) moves the group under it.
func TestRaiseAutogroup(t *testing.T) {
	if os.Getenv("DISCSTAGE_AUTOGROUP_CHILD") == "" {
		if _, ok := autogroupNice(); !ok {
			return // no autogroups on this kernel: nothing to raise
		}
		cmd := exec.Command(os.Args[0], "-test.run", "^TestRaiseAutogroup$", "-test.v")
		cmd.Env = append(os.Environ(), "DISCSTAGE_AUTOGROUP_CHILD=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		return
	}
	before, _ := autogroupNice()
	if err := os.WriteFile(autogroupFile, []byte(strconv.Itoa(before)), 0); err != nil {
		return // the group's value cannot be set here (a read-only /proc)
	}
	restore, err := RaisePriority()
	if errors.Is(err, ErrPriority) {
		if n, _ := autogroupNice(); n != before {
			t.Errorf("a refused raise moved the group from nice %d to %d", before, n)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := autogroupNice(); n != min(before, raisedNice) {
		t.Errorf("raised: the group at nice %d, want %d", n, min(before, raisedNice))
	}
	restore()
	if n, _ := autogroupNice(); n != before {
		t.Errorf("restored: the group at nice %d, want %d", n, before)
	}
}

// Threads started while the raise passes over the process's threads,
// some from threads it raised already, are raised, and none is left at
// the raise's value once restored (TestRaisePriority checks the threads
// that were there before).
func TestRaiseRestoresThreadsStartedMeanwhile(t *testing.T) {
	base, err := threadNice(0)
	if err != nil {
		t.Fatal(err)
	}
	if base <= raisedNice {
		return // nothing to raise: the test's threads are higher already
	}
	if restore, err := RaisePriority(); errors.Is(err, ErrPriority) {
		return // the process may not raise its priority: TestRaisePriority checks it changes nothing
	} else if err != nil {
		t.Fatal(err)
	} else {
		restore()
	}
	before := threadNices(t)
	// Goroutines locked to threads of their own, started one after
	// another through the raise, make the runtime start threads from
	// threads raised and not yet raised.
	stop, release := make(chan struct{}), make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 400; i++ {
			select {
			case <-stop:
				return
			default:
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread() // the thread ends with the goroutine
				started <- struct{}{}
				<-release
			}()
			<-started
		}
	}()
	restore, err := RaisePriority()
	close(stop)
	if err != nil {
		close(release)
		wg.Wait()
		t.Fatal(err)
	}
	eventually(t, "raised", func() []string {
		var bad []string
		for tid, n := range threadNices(t) {
			if _, ok := before[tid]; !ok && n > raisedNice {
				bad = append(bad, fmt.Sprintf("thread %d started meanwhile at nice %d", tid, n))
			}
		}
		return bad
	})
	restore()
	eventually(t, "restored", func() []string {
		var bad []string
		for tid, n := range threadNices(t) {
			if _, ok := before[tid]; !ok && n == raisedNice {
				bad = append(bad, fmt.Sprintf("thread %d started meanwhile is still at nice %d", tid, n))
			}
		}
		return bad
	})
	close(release)
	wg.Wait()
}

// fakeThreads is a process's threads as a test makes them: a thread
// shows from a given listing on, as one being started does once the
// kernel has linked it in.
type fakeThreads struct {
	mu    sync.Mutex
	lists int         // listings so far
	nices map[int]int // every thread's value
	from  map[int]int // the listing from which a thread shows
	onSet func(tid, n int)
}

func newFakeThreads(nices map[int]int) *fakeThreads {
	return &fakeThreads{nices: nices, from: map[int]int{}}
}

// start starts thread tid at nice n, shown from the listing after the
// next shows-1.
func (f *fakeThreads) start(tid, n, shows int) {
	f.nices[tid], f.from[tid] = n, f.lists+shows
}

func (f *fakeThreads) threads() ([]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	var tids []int
	for tid := range f.nices {
		if f.from[tid] <= f.lists {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

func (f *fakeThreads) nice(tid int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.nices[tid]
	if !ok {
		return 0, unix.ESRCH
	}
	return n, nil
}

func (f *fakeThreads) setNice(tid, n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.nices[tid]; !ok {
		return unix.ESRCH
	}
	f.nices[tid] = n
	if f.onSet != nil {
		f.onSet(tid, n)
	}
	return nil
}

// The races of a raise with threads being started, as the kernel lets
// them happen: a thread started by a thread raised already comes at the
// raised value; one whose creator is raised as it is started comes at
// the value from before, and shows after the raise's passes; one whose
// creator is restored as it is started comes at the raised value, and
// shows after the restore's. Each ends at the value it should have: the
// raise's while it holds, the one most threads had once restored (not
// the first thread's, which may have been set apart). A thread set to
// another value meanwhile keeps it.
func TestRaiseThreadsStartedInRaces(t *testing.T) {
	f := newFakeThreads(map[int]int{1: -15, 2: 0, 3: 5, 4: 0, 5: 0})
	races := true // threads are started in the first raise and restore
	f.onSet = func(tid, n int) {
		switch {
		case !races:
		case tid == 4 && n == raisedNice:
			f.start(10, raisedNice, 1) // by a raised thread, during the passes
		case tid == 2 && n == raisedNice:
			f.start(11, 0, 3) // as its creator is raised, shown after the passes
		case tid == 2 && n == 0:
			f.start(12, raisedNice, 3) // as its creator is restored, shown after
		}
	}
	nices := func() map[int]int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return maps.Clone(f.nices)
	}
	expect := func(what string, want map[int]int) {
		t.Helper()
		eventually(t, what, func() (bad []string) {
			got := nices()
			for tid, w := range want {
				if got[tid] != w {
					bad = append(bad, fmt.Sprintf("thread %d at nice %d, want %d", tid, got[tid], w))
				}
			}
			return bad
		})
	}
	tr := &threadRaiser{table: f}
	restore, err := tr.raise()
	if err != nil {
		t.Fatal(err)
	}
	expect("raised", map[int]int{1: -15, 2: -10, 3: -10, 4: -10, 5: -10, 10: -10, 11: -10})
	if err := f.setNice(5, 7); err != nil { // by someone else
		t.Fatal(err)
	}
	restore()
	expect("restored", map[int]int{1: -15, 2: 0, 3: 5, 4: 0, 5: 7, 10: 0, 11: 0, 12: 0})

	// A raise again stops the passes of the restore before.
	f.mu.Lock()
	races = false
	f.mu.Unlock()
	restore, err = tr.raise()
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]int{1: -15, 2: -10, 3: -10, 4: -10, 5: -10, 10: -10, 11: -10, 12: -10}
	expect("raised again", want)
	time.Sleep(2 * watchEvery)
	expect("raised again, later", want)
	restore()
	expect("restored again", map[int]int{1: -15, 2: 0, 3: 5, 4: 0, 5: 7, 10: 0, 11: 0, 12: 0})
}

package platform

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"

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
// which makes the runtime start threads, and returns each one's nice.
func lockedThreads(n int) []int {
	got, release := make(chan int), make(chan struct{})
	for range n {
		go func() {
			runtime.LockOSThread() // the thread ends with the goroutine
			n, _ := threadNice(0)
			got <- n
			<-release
		}()
	}
	nices := make([]int, n)
	for i := range nices {
		nices[i] = <-got
	}
	close(release)
	return nices
}

// heldThread runs a goroutine on a thread of its own at nice n until
// the returned function is called; it returns the thread's id.
func heldThread(t *testing.T, n int) (tid int, release func()) {
	t.Helper()
	ids, done := make(chan int), make(chan struct{})
	go func() {
		runtime.LockOSThread() // the thread ends with the goroutine
		if err := unix.Setpriority(unix.PRIO_PROCESS, 0, n); err != nil {
			ids <- -1
			return
		}
		ids <- unix.Gettid()
		<-done
	}()
	if tid = <-ids; tid < 0 {
		t.Fatalf("set a thread to nice %d", n)
	}
	return tid, func() { close(done) }
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
	want := func(what string, raised bool) {
		t.Helper()
		for tid, n := range threadNices(t) {
			w, ok := before[tid]
			switch {
			case ok && raised:
				w = min(w, raisedNice)
			case !ok && raised:
				// Started meanwhile: raised, or higher from its creator.
				if n > raisedNice {
					t.Errorf("%s: thread %d started meanwhile at nice %d", what, tid, n)
				}
				continue
			case !ok:
				// Started since: at its creator's value, which is not
				// the raise's unless it was before.
				if n == raisedNice && base > raisedNice {
					t.Errorf("%s: thread %d started since is still at nice %d", what, tid, n)
				}
				continue
			}
			if n != w {
				t.Errorf("%s: thread %d at nice %d, want %d", what, tid, n, w)
			}
		}
	}
	restore1, err = RaisePriority()
	if err != nil {
		t.Fatal(err)
	}
	restore2, err := RaisePriority()
	if err != nil {
		t.Fatal(err)
	}
	// Threads the runtime starts from now on take the raised value.
	for i, n := range lockedThreads(8) {
		if n > min(base, raisedNice) {
			t.Errorf("raised: locked goroutine %d's thread at nice %d, want %d", i, n, min(base, raisedNice))
		}
	}
	want("raised", true)
	restore2()
	restore2() // a second call does nothing
	want("one raise of two restored", true)
	restore1()
	lockedThreads(8)
	want("restored", false)
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

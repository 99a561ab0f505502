package platform

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// threadNices returns the nice value of every thread of the process.
func threadNices(t *testing.T) map[int]int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	nices := map[int]int{}
	for _, e := range ents {
		tid, _ := strconv.Atoi(e.Name())
		if p, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err == nil {
			nices[tid] = 20 - p
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
			p, _ := unix.Getpriority(unix.PRIO_PROCESS, 0)
			got <- 20 - p
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

func TestRaisePriority(t *testing.T) {
	if os.Getuid() != 0 {
		// Refused, unless an RLIMIT_NICE allows it.
		restore, err := RaisePriority()
		if err != nil && !errors.Is(err, ErrPriority) {
			t.Errorf("not root: %v, want ErrPriority", err)
		}
		restore()
		return
	}
	p, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		t.Fatal(err)
	}
	base := 20 - p
	for tid, n := range threadNices(t) {
		if n != base {
			t.Fatalf("thread %d runs at nice %d, the test's at %d", tid, n, base)
		}
	}
	raised := min(base, raisedNice)
	restore1, err := RaisePriority()
	if err != nil {
		t.Fatal(err)
	}
	restore2, err := RaisePriority()
	if err != nil {
		t.Fatal(err)
	}
	// Threads the runtime starts from now on take the raised value.
	for i, n := range lockedThreads(8) {
		if n != raised {
			t.Errorf("raised: locked goroutine %d's thread at nice %d, want %d", i, n, raised)
		}
	}
	for tid, n := range threadNices(t) {
		if n != raised {
			t.Errorf("raised: thread %d at nice %d, want %d", tid, n, raised)
		}
	}
	restore2()
	restore2() // a second call does nothing
	for tid, n := range threadNices(t) {
		if n != raised {
			t.Errorf("one raise of two restored: thread %d at nice %d, want %d", tid, n, raised)
		}
	}
	restore1()
	lockedThreads(8)
	for tid, n := range threadNices(t) {
		if n != base {
			t.Errorf("restored: thread %d at nice %d, want %d", tid, n, base)
		}
	}
}

package mmc_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// threadNice is the nice value of the calling thread.
func threadNice() int {
	p, _ := unix.Getpriority(unix.PRIO_PROCESS, 0)
	return 20 - p // the raw system call's answer
}

// nices counts the nice values seen.
type nices struct {
	mu   sync.Mutex
	seen map[int]int
	all  int
}

func (n *nices) note() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[int]int{}
	}
	n.seen[threadNice()]++
	n.all++
}

// processNices counts the threads of the process at each nice value.
func processNices(t *testing.T) map[int]int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[int]int{}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err == nil {
			counts[20-p]++
		}
	}
	return counts
}

// niceAtWrite notes the nice value of the thread sending each WRITE.
type niceAtWrite struct {
	scsi.Transport
	n *nices
}

func (w niceAtWrite) Do(c *scsi.Command) error {
	if c.CDB[0] == 0x2A || c.CDB[0] == 0xAA {
		w.n.note()
	}
	return w.Transport.Do(c)
}

// niceAtRead notes the nice value of the thread reading the session.
type niceAtRead struct {
	r *bytes.Reader
	n *nices
}

func (r niceAtRead) ReadAt(p []byte, off int64) (int, error) {
	r.n.note()
	return r.r.ReadAt(p, off)
}

// While a session streams to a drive the process runs at a raised
// priority, the session's reading and the WRITEs alike (a machine busy
// on every core starved the FIFO hundreds of times a burn in
// bench/fifo.sh otherwise), and at its own again once the session is
// recorded. KeepPriority leaves it alone. A thread the runtime starts
// as the raise passes over the threads may run at the value from
// before until the raise's next pass, a twentieth of a second later
// (platform's TestRaiseThreadsStartedInRaces): three WRITEs and reads
// in four at the raised value, the others at the value from before, is
// what the check asks of the raise.
func TestRecordingRaisesPriority(t *testing.T) {
	base := threadNice()
	// Whether the process may raise its priority at all (as root
	// without CAP_SYS_NICE, in a container, it may not).
	restore, err := platform.RaisePriority()
	raisable := err == nil
	restore()
	for _, keep := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "bd.img")
		e, err := emu.Open(path, "bd-r")
		if err != nil {
			t.Fatal(err)
		}
		var writes, reads nices
		d, err := mmc.Open(niceAtWrite{Transport: e, n: &writes}, "emulated:bd-r:"+path, mmc.Options{FifoBytes: 1 << 20, KeepPriority: keep})
		if err != nil {
			t.Fatal(err)
		}
		const size = 4 << 20
		data := bytes.Repeat([]byte("nice"), size/4)
		im := readerSession(t, d, "f", niceAtRead{r: bytes.NewReader(data), n: &reads}, size)
		if err := d.WriteSession(context.Background(), im, writer.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		d.Close()
		want := base
		if raisable && !keep {
			want = min(base, -10)
		}
		for what, n := range map[string]*nices{"WRITE": &writes, "reading the session": &reads} {
			others := n.all - n.seen[want]
			if want != base {
				others -= n.seen[base]
			}
			if n.seen[want]*4 < n.all*3 || others > 0 {
				t.Errorf("keep priority %v: %s at nice %v (value: times), want %d", keep, what, n.seen, want)
			}
		}
		// Restored: no thread at the raised value, once a thread the
		// runtime started as the restore passed over them is reached.
		deadline := time.Now().Add(30 * time.Second)
		for base > -10 && processNices(t)[-10] > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := processNices(t); base > -10 && got[-10] > 0 {
			t.Errorf("keep priority %v: threads at each nice value after the session %v, want none at -10", keep, got)
		}
	}
}

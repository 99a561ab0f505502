package mmc_test

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"

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

// nices records the nice values seen, each once.
type nices struct {
	mu   sync.Mutex
	seen map[int]bool
}

func (n *nices) note() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[int]bool{}
	}
	n.seen[threadNice()] = true
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
// recorded. KeepPriority leaves it alone.
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
			if len(n.seen) != 1 || !n.seen[want] {
				t.Errorf("keep priority %v: %s at nice %v, want only %d", keep, what, n.seen, want)
			}
		}
		if n := threadNice(); n != base {
			t.Errorf("keep priority %v: nice %d after the session, want %d", keep, n, base)
		}
	}
}

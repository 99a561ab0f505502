package vmrig

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/syncbuf"
	"github.com/discstage/discstage/writer/mmc/emu/iscsi"
)

// ServeISCSI puts dev on an iSCSI target on a free port of 127.0.0.1
// until the test ends, and returns the drive for the VM. log, when set,
// sees the target's connection messages.
func ServeISCSI(tb testing.TB, dev iscsi.Device, name string, log func(string, ...any)) ISCSIDrive {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("vmrig: listen: %v", err)
	}
	s := &iscsi.Server{TargetName: name, Device: dev, Log: log}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	tb.Cleanup(func() {
		l.Close()
		if err := <-done; err != nil {
			tb.Errorf("vmrig: iSCSI target %s: %v", name, err)
		}
	})
	return ISCSIDrive{Portal: l.Addr().String(), Target: name, LUN: 0}
}

// Tgt is a tgtd daemon (Debian's tgt, the Linux SCSI target framework)
// of the test's own: its own management socket and its own iSCSI port
// on 127.0.0.1, so that it meets no other tgtd on the machine.
type Tgt struct {
	control int
	portal  string
	cmd     *exec.Cmd
	log     *syncbuf.Buffer
	mu      sync.Mutex
	tids    int
}

// StartTgt starts tgtd and waits until it answers tgtadm; it is stopped
// when the test ends.
func StartTgt(tb testing.TB) *Tgt {
	tb.Helper()
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		t, err := startTgt()
		if err == nil {
			tb.Cleanup(t.stop)
			return t
		}
		last = err
	}
	tb.Fatalf("vmrig: tgtd would not start: %v", last)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startTgt() (*Tgt, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// The management socket is /var/run/tgtd/socket.N: pick an N no
	// other tgtd uses.
	control := 1000 + rand.IntN(31000) // tgtd keeps it in a short int
	if _, err := os.Stat(fmt.Sprintf("/var/run/tgtd/socket.%d", control)); err == nil {
		return nil, fmt.Errorf("control port %d in use", control)
	}
	t := &Tgt{control: control, portal: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: &syncbuf.Buffer{}}
	t.cmd = exec.Command("tgtd", "-f", "-C", strconv.Itoa(control), "--iscsi", "portal="+t.portal)
	t.cmd.Stdout, t.cmd.Stderr = t.log, t.log
	if err := t.cmd.Start(); err != nil {
		return nil, fmt.Errorf("tgtd: %w", err)
	}
	exited := make(chan struct{})
	go func() { t.cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-exited:
			return nil, fmt.Errorf("tgtd exited at start: %s", t.log.String())
		default:
		}
		if _, err := t.adm("--mode", "sys", "--op", "show"); err == nil {
			if c, err := net.Dial("tcp", t.portal); err == nil {
				c.Close()
				return t, nil
			}
		}
		if time.Now().After(deadline) {
			t.stop()
			return nil, fmt.Errorf("tgtd did not answer within 90 s: %s", t.log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (t *Tgt) stop() {
	if t.cmd.Process != nil {
		t.cmd.Process.Kill()
	}
}

func (t *Tgt) adm(args ...string) (string, error) {
	cmd := exec.Command("tgtadm", append([]string{"-C", strconv.Itoa(t.control), "--lld", "iscsi"}, args...)...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		return string(b), fmt.Errorf("tgtadm %v: %w: %s", args, err, b)
	}
	return string(b), nil
}

// AddCD adds a target whose LUN 1 is tgt's MMC device (device type cd)
// over the backing file: an empty file is a blank DVD+R.
func (t *Tgt) AddCD(tb testing.TB, backing string) ISCSIDrive {
	tb.Helper()
	t.mu.Lock()
	t.tids++
	tid := strconv.Itoa(t.tids)
	t.mu.Unlock()
	name := "iqn.2026-01.org.discstage:tgt" + tid
	abs, err := filepath.Abs(backing)
	if err != nil {
		tb.Fatal(err)
	}
	for _, args := range [][]string{
		{"--mode", "target", "--op", "new", "--tid", tid, "--targetname", name},
		{"--mode", "logicalunit", "--op", "new", "--tid", tid, "--lun", "1", "--backing-store", abs, "--device-type", "cd"},
		{"--mode", "target", "--op", "bind", "--tid", tid, "--initiator-address", "ALL"},
	} {
		if _, err := t.adm(args...); err != nil {
			tb.Fatalf("vmrig: %v", err)
		}
	}
	return ISCSIDrive{Portal: t.portal, Target: name, LUN: 1}
}

// Log returns what tgtd printed so far.
func (t *Tgt) Log() string { return t.log.String() }

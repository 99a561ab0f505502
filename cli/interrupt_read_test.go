//go:build linux

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/syncbuf"
)

// The commands that read a medium or a tree and write files of the
// user's (extract, verify, master) stop on Ctrl-C. Each test holds the
// command's reads at a gate and lets them through a few MiB at a time,
// each step once the one before is used up: the command has begun when
// the test sends SIGINT, and after it the command still has far more to
// read than the steps it takes to stop, on a machine of any speed.

// readStep is how many bytes of reads each step lets through.
const readStep = 4 << 20

// heldCommand is a command whose reads of the gated directory wait at
// the gate until readInSteps lets them through.
type heldCommand struct {
	cmd    *exec.Cmd
	out    syncbuf.Buffer // stdout and stderr
	exited chan error
}

// startHeld starts discstage with args, every read of the gated
// directory held.
func startHeld(t *testing.T, gate *writeGate, args ...string) *heldCommand {
	t.Helper()
	h := &heldCommand{cmd: clitest.Command(t, args...), exited: make(chan error, 1)}
	h.cmd.Stdout, h.cmd.Stderr = &h.out, &h.out
	gate.allowReads(0)
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.cmd.Process.Kill() })
	go func() { h.exited <- h.cmd.Wait() }()
	return h
}

// readInSteps lets the held reads through a step at a time until begun
// holds while the command waits at the gate (it returns false), or the
// command ends (true, with how it ended).
func (h *heldCommand) readInSteps(t *testing.T, gate *writeGate, begun func() bool) (bool, error) {
	t.Helper()
	for {
		gate.allowReads(readStep)
		select {
		case err := <-h.exited:
			return true, err
		case <-gate.held():
		case <-time.After(5 * time.Minute):
			t.Fatalf("the command neither read nor ended in 5 minutes:\n%s", h.out.String())
		}
		if begun() {
			return false, nil
		}
	}
}

// interrupt sends SIGINT to the command once begun holds, lets its
// reads through until it ends, and checks that it exits 130.
func (h *heldCommand) interrupt(t *testing.T, gate *writeGate, begun func() bool) {
	t.Helper()
	if ended, err := h.readInSteps(t, gate, begun); ended {
		t.Fatalf("the command ended (%v) before it began what is to be stopped:\n%s", err, h.out.String())
	}
	h.cmd.Process.Signal(syscall.SIGINT)
	_, err := h.readInSteps(t, gate, func() bool { return false })
	if code := exitCode(err); code != exitcodes.Interrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitcodes.Interrupted, h.out.String())
	}
}

// sparseFile makes a file of size bytes that holds no data.
func sparseFile(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// TestCtrlCStopsMaster: master stopped while it copies a file exits
// 130, leaves no temporary file beside OUT, and leaves OUT as it was.
func TestCtrlCStopsMaster(t *testing.T) {
	gated, gate := gatedDir(t)
	src := filepath.Join(gated, "src")
	sparseFile(t, filepath.Join(src, "huge.bin"), 256<<20)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "m.iso")
	write(t, out, "the image before")
	temps := func() []string {
		m, _ := filepath.Glob(out + ".tmp-*")
		return m
	}
	h := startHeld(t, gate, "master", "-o", out, src)
	h.interrupt(t, gate, func() bool { return len(temps()) > 0 })
	if b, err := os.ReadFile(out); err != nil || string(b) != "the image before" {
		t.Errorf("OUT after the stop: %q, %v", b, err)
	}
	if m := temps(); len(m) > 0 {
		t.Errorf("left behind: %s", m)
	}
	if !strings.Contains(h.out.String(), "interrupted") || !strings.Contains(h.out.String(), out) {
		t.Errorf("master said:\n%s", h.out.String())
	}
}

// TestCtrlCStopsExtract: extract stopped while it copies a file exits
// 130, names the file, and leaves no part of it under its name.
func TestCtrlCStopsExtract(t *testing.T) {
	gated, gate := gatedDir(t)
	img := filepath.Join(gated, "ap.iso")
	big := filepath.Join(t.TempDir(), "big")
	write(t, filepath.Join(big, "a.txt"), "a")
	sparseFile(t, filepath.Join(big, "huge.bin"), 128<<20)
	clitest.Must(t, "append", "--progress=none", img, big)
	ex := t.TempDir()
	huge := filepath.Join(ex, "huge.bin")
	// A file of DEST's own under the name stays until the copy is whole.
	write(t, huge, "the user's own")
	h := startHeld(t, gate, "extract", img, "/", ex)
	h.interrupt(t, gate, func() bool {
		parts, _ := filepath.Glob(filepath.Join(ex, ".discstage-*"))
		return len(parts) > 0
	})
	if b, err := os.ReadFile(huge); err != nil || string(b) != "the user's own" {
		t.Errorf("the file of DEST under the name of the file stopped: %d bytes, %v", len(b), err)
	}
	if parts, _ := filepath.Glob(filepath.Join(ex, ".discstage-*")); len(parts) > 0 {
		t.Errorf("the part written is left: %v", parts)
	}
	if !strings.Contains(h.out.String(), "/huge.bin") {
		t.Errorf("extract does not say which file it stopped in:\n%s", h.out.String())
	}
}

// TestCtrlCStopsVerify: verify stopped while it checks a session exits
// 130 and says which session it was checking.
func TestCtrlCStopsVerify(t *testing.T) {
	gated, gate := gatedDir(t)
	img := filepath.Join(gated, "ap.iso")
	work := t.TempDir()
	sparseFile(t, filepath.Join(work, "big", "huge.bin"), 128<<20)
	clitest.Must(t, "append", "--progress=none", img, filepath.Join(work, "big"))
	write(t, filepath.Join(work, "small", "a.txt"), "a")
	clitest.Must(t, "append", "--progress=none", img, filepath.Join(work, "small"))
	h := startHeld(t, gate, "verify", "--all", "--level", "full", img)
	// The sessions' descriptors and trees are a few KiB: after 32 MiB
	// the check reads the data of the first session, of 128 MiB.
	steps := 0
	h.interrupt(t, gate, func() bool { steps++; return steps*readStep >= 32<<20 })
	if !strings.Contains(h.out.String(), "session 1") || strings.Contains(h.out.String(), "session 2") {
		t.Errorf("verify said:\n%s", h.out.String())
	}
}

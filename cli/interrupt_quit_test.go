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

	"golang.org/x/sys/unix"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/syncbuf"
)

// againToQuit is what the first Ctrl-C says where a second one quits.
const againToQuit = "press Ctrl-C again to quit at once"

// quitTwice sends SIGINT to cmd, blocked where the stop it asks for
// cannot reach, waits until it says a second Ctrl-C quits, sends the
// second, and checks that it then exits 130 while still blocked.
func quitTwice(t *testing.T, cmd *exec.Cmd, out *syncbuf.Buffer, exited <-chan error) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGINT)
	eventually(t, "the first Ctrl-C says a second one quits", func() bool {
		return strings.Contains(out.String(), againToQuit)
	})
	select {
	case err := <-exited:
		t.Fatalf("the command ended (%v) on the first Ctrl-C though blocked:\n%s", err, out.String())
	default:
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		if code := exitCode(err); code != exitcodes.Interrupted {
			t.Fatalf("exit %d after the second Ctrl-C, want %d\n%s", code, exitcodes.Interrupted, out.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("still running 2 minutes after the second Ctrl-C:\n%s", out.String())
	}
}

// TestCtrlCTwiceQuitsExtractToAStalledPipe: extract writing to a pipe
// nobody reads is blocked in a write the first Ctrl-C cannot reach;
// the first says so, and the second ends it at once, exit 130.
func TestCtrlCTwiceQuitsExtractToAStalledPipe(t *testing.T) {
	work := t.TempDir()
	img := filepath.Join(work, "d.iso")
	sparseFile(t, filepath.Join(work, "src", "big.bin"), 8<<20)
	clitest.Must(t, "append", "--progress=none", img, filepath.Join(work, "src", "big.bin"))

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() // open, never read: a write that fills the pipe waits
	cmd := clitest.Command(t, "extract", img, "/big.bin", "-")
	var errOut syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = w, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	pipeSize, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "extract fills the pipe", func() bool {
		n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ) // FIONREAD: bytes waiting
		return err == nil && n >= pipeSize
	})
	quitTwice(t, cmd, &errOut, exited)
}

// TestCtrlCTwiceQuitsExtractHeldInARead: extract whose read of the disc
// does not return (a drive retrying a bad sector) ends at the second
// Ctrl-C, exit 130, and leaves no part of the file it was copying, and
// the file of DEST under its name as it was.
func TestCtrlCTwiceQuitsExtractHeldInARead(t *testing.T) {
	gated, gate := gatedDir(t)
	img := filepath.Join(gated, "ap.iso")
	big := filepath.Join(t.TempDir(), "big")
	sparseFile(t, filepath.Join(big, "huge.bin"), 64<<20)
	clitest.Must(t, "append", "--progress=none", img, big)
	ex := t.TempDir()
	huge := filepath.Join(ex, "huge.bin")
	write(t, huge, "the user's own") // stays until the copy is whole
	parts := func() []string {
		m, _ := filepath.Glob(filepath.Join(ex, ".discstage-*"))
		return m
	}
	h := startHeld(t, gate, "extract", img, "/", ex)
	if ended, err := h.readInSteps(t, gate, func() bool { return len(parts()) > 0 }); ended {
		t.Fatalf("extract ended (%v) before it copied huge.bin:\n%s", err, h.out.String())
	}
	// Its read waits at the gate, which lets nothing more through.
	quitTwice(t, h.cmd, &h.out, h.exited)
	if b, err := os.ReadFile(huge); err != nil || string(b) != "the user's own" {
		t.Errorf("the file of DEST under the name of the file being copied: %d bytes, %v", len(b), err)
	}
	if p := parts(); len(p) > 0 {
		t.Errorf("the part written is left: %v", p)
	}
}

// TestCtrlCTwiceQuitsMasterHeldInARead: master whose read of a source
// file does not return ends at the second Ctrl-C, exit 130, leaving
// OUT as it was and no temporary file.
func TestCtrlCTwiceQuitsMasterHeldInARead(t *testing.T) {
	gated, gate := gatedDir(t)
	src := filepath.Join(gated, "src")
	sparseFile(t, filepath.Join(src, "huge.bin"), 256<<20)
	out := filepath.Join(t.TempDir(), "m.iso")
	write(t, out, "the image before")
	temps := func() []string {
		m, _ := filepath.Glob(out + ".tmp-*")
		return m
	}
	h := startHeld(t, gate, "master", "-o", out, src)
	if ended, err := h.readInSteps(t, gate, func() bool { return len(temps()) > 0 }); ended {
		t.Fatalf("master ended (%v) before it wrote its image:\n%s", err, h.out.String())
	}
	quitTwice(t, h.cmd, &h.out, h.exited)
	if b, err := os.ReadFile(out); err != nil || string(b) != "the image before" {
		t.Errorf("OUT after the quit: %q, %v", b, err)
	}
	if m := temps(); len(m) > 0 {
		t.Errorf("left behind: %s", m)
	}
}

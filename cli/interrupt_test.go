//go:build linux

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/syncbuf"
)

// eventually waits, generously, for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not after 2 minutes", what)
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// appendUntilWriting starts an append with --progress=json whose
// writes to the target go through gate, and returns once the append has
// written 32 MiB of its session and waits at the gate for more, so that
// what the test sends next lands while it writes, however fast the
// machine. The test opens the gate with gate.release.
func appendUntilWriting(t *testing.T, gate *writeGate, target, src string) (*exec.Cmd, <-chan error, *syncbuf.Buffer, *syncbuf.Buffer) {
	t.Helper()
	cmd := clitest.Command(t, "append", "--progress=json", target, src)
	var out, stderr syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	gate.arm(32 << 20)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	done := make(chan struct{})
	go func() {
		gate.waitBlocked(t)
		close(done)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-done:
	case err := <-exited:
		t.Fatalf("the append ended (%v) before it had written 32 MiB:\n%s\n%s", err, out.String(), stderr.String())
	}
	if !strings.Contains(out.String(), `"phase":"writing"`) {
		t.Fatalf("the append waits at the gate outside its writing phase:\n%s\n%s", out.String(), stderr.String())
	}
	return cmd, exited, &out, &stderr
}

// TestCtrlCOnAnImageCutsItBack: Ctrl-C while an append writes to an
// image stops it (exit 130) and leaves the image as it was.
func TestCtrlCOnAnImageCutsItBack(t *testing.T) {
	work := t.TempDir()
	gated, gate := gatedDir(t)
	img := filepath.Join(gated, "disc.iso")
	write(t, filepath.Join(work, "small", "a.txt"), "a")
	clitest.Must(t, "append", img, filepath.Join(work, "small"))
	before, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(work, "big")
	write(t, filepath.Join(big, "big.bin"), strings.Repeat("0123456789abcdef", 8<<20)) // 128 MiB
	cmd, exited, out, stderr := appendUntilWriting(t, gate, img, big)
	cmd.Process.Signal(syscall.SIGINT)
	gate.release()
	if code := exitCode(<-exited); code != exitcodes.Interrupted {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitcodes.Interrupted, out.String(), stderr.String())
	}
	after, err := os.Stat(img)
	if err != nil || after.Size() != before.Size() {
		t.Errorf("image size %d after the stop, %d before (%v)", after.Size(), before.Size(), err)
	}
	if !strings.Contains(stderr.String(), "nothing of the session was kept") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if s := clitest.Must(t, "sessions", img); strings.Count(s, "\n") < 1 || strings.Contains(s, "session 2") {
		t.Errorf("sessions after the stop:\n%s", s)
	}
	clitest.Must(t, "verify", img)
}

// TestCtrlCOnAWriteOnceDisc: on a CD-R the first Ctrl-C while writing
// says what stopping costs and goes on; the second stops, the track
// begun is closed, and the disc takes the next session.
func TestCtrlCOnAWriteOnceDisc(t *testing.T) {
	work := t.TempDir()
	// At 4× a CD-R takes minutes for 128 MiB, on a machine of any speed,
	// so both signals land while it writes.
	target := "emulated:cd-r,speed=4:" + filepath.Join(work, "cd.img")
	write(t, filepath.Join(work, "small", "a.txt"), "a")
	clitest.Must(t, "append", target, filepath.Join(work, "small"))
	big := filepath.Join(work, "big")
	write(t, filepath.Join(big, "big.bin"), strings.Repeat("0123456789abcdef", 8<<20))
	cmd := clitest.Command(t, "append", "--progress=json", target, big)
	var out, stderr syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	eventually(t, "the writing", func() bool {
		return regexp.MustCompile(`"phase":"writing","phase_bytes_done":[1-9]`).MatchString(out.String())
	})
	cmd.Process.Signal(syscall.SIGINT)
	eventually(t, "the warning", func() bool { return strings.Contains(stderr.String(), "press Ctrl-C again") })
	if !strings.Contains(stderr.String(), "loses the space of the session") {
		t.Errorf("warning:\n%s", stderr.String())
	}
	if strings.Contains(out.String(), `"phase":"closing"`) {
		t.Fatalf("the writing ended before the second Ctrl-C:\n%s", out.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(<-exited); code != exitcodes.Interrupted {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitcodes.Interrupted, out.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "it was closed, so the disc takes the next session") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	write(t, filepath.Join(work, "next", "b.txt"), "b")
	if o := clitest.Must(t, "append", target, filepath.Join(work, "next")); !strings.Contains(o, "wrote session") {
		t.Errorf("append after the stop:\n%s", o)
	}
}

// TestCtrlCOnCommitBeforeWriting: Ctrl-C on a commit that waits for a
// file open for writing stops the mount's commit; the staged changes
// are kept and nothing is written.
func TestCtrlCOnCommitBeforeWriting(t *testing.T) {
	_, mnt := mountImage(t)
	write(t, filepath.Join(mnt, "a.txt"), "a")
	f, err := os.OpenFile(filepath.Join(mnt, "open.txt"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := clitest.Command(t, "commit", "--wait-timeout", "1h", mnt)
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	eventually(t, "the commit waiting", func() bool {
		return strings.Contains(clitest.Must(t, "status", mnt), "state:     waiting")
	})
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(cmd.Wait()); code != exitcodes.Interrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitcodes.Interrupted, out.String())
	}
	if !strings.Contains(out.String(), "the staged changes are kept") {
		t.Errorf("commit said:\n%s", out.String())
	}
	s := clitest.Must(t, "status", mnt)
	if !strings.Contains(s, "state:     idle") || !strings.Contains(s, "2 added") || !strings.Contains(s, "0 sessions") {
		t.Errorf("status after the stop:\n%s", s)
	}
}

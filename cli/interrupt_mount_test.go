//go:build linux

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/syncbuf"
	"golang.org/x/sys/unix"
)

// TestCtrlCOnACommitToAWriteOnceDisc: a commit from a mount of a CD-R,
// stopped while the mount writes: the first Ctrl-C says what stopping
// costs and goes on, the second stops the mount's burn; the track begun
// is closed, the staged changes are kept, and the disc takes the next
// commit. The emulated drive's writes wait at a gate, so the signals
// land while it writes on a machine of any speed.
func TestCtrlCOnACommitToAWriteOnceDisc(t *testing.T) {
	gated, gate := gatedDir(t)
	work := t.TempDir()
	target := "emulated:cd-r:" + filepath.Join(gated, "cd.img")
	mnt := filepath.Join(work, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	clitest.Must(t, "mount", target, mnt, "--staging", filepath.Join(work, "area"))
	unmountAtEnd(t, mnt, filepath.Join(work, "area"))
	write(t, filepath.Join(mnt, "a.txt"), "a")
	clitest.Must(t, "commit", "--progress=none", mnt)
	write(t, filepath.Join(mnt, "big.bin"), strings.Repeat("0123456789abcdef", 1<<20)) // 16 MiB

	cmd := clitest.Command(t, "commit", "--progress=json", mnt)
	var out, stderr syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	gate.arm(4 << 20)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	blocked := make(chan struct{})
	go func() { gate.waitBlocked(t); close(blocked) }()
	select {
	case <-blocked:
	case err := <-exited:
		t.Fatalf("the commit ended (%v) before the drive had written 4 MiB:\n%s\n%s", err, out.String(), stderr.String())
	}
	// The command has seen the writing: a first Ctrl-C only warns.
	eventually(t, "the commit showing the writing", func() bool { return strings.Contains(out.String(), `"phase":"writing"`) })
	cmd.Process.Signal(syscall.SIGINT)
	eventually(t, "the warning", func() bool { return strings.Contains(stderr.String(), "press Ctrl-C again") })
	if !strings.Contains(stderr.String(), "loses the space of the session") {
		t.Errorf("warning:\n%s", stderr.String())
	}
	// The second stops: once the mount was told, the drive goes on.
	cmd.Process.Signal(syscall.SIGINT)
	eventually(t, "the mount told to stop", func() bool { return strings.Contains(stderr.String(), "stopping the commit") })
	gate.release()
	if code := exitCode(<-exited); code != exitcodes.Interrupted {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitcodes.Interrupted, out.String(), stderr.String())
	}
	for _, want := range []string{"it was closed, so the disc takes the next commit", "the staged changes are kept"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	var s struct {
		State   string `json:"state"`
		Pending bool   `json:"pending"`
		Changes struct {
			Added int `json:"added"`
		} `json:"changes"`
		Sessions int `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(clitest.Must(t, "status", "--json", mnt)), &s); err != nil {
		t.Fatal(err)
	}
	// The closed track is a session of the disc, which no one reads.
	if s.State != "idle" || !s.Pending || s.Changes.Added != 1 || s.Sessions != 2 {
		t.Errorf("status after the stop: %+v", s)
	}
	if o := clitest.Must(t, "commit", "--progress=none", mnt); !strings.Contains(o, "session 3 written at LBA") {
		t.Errorf("the commit after the stop:\n%s", o)
	}
}

// TestCtrlCOnACommitWhileWritingSaysHowFarItGot: a commit to an image
// stopped while the mount writes prints its writing phase as stopped
// part way, not as written whole, and the outcome the mount keeps for
// it has the code the command exits with. The image's writes wait at
// a gate, and the signal is sent once the command has read the mount's
// status since: it has seen the writing, on a machine of any speed.
func TestCtrlCOnACommitWhileWritingSaysHowFarItGot(t *testing.T) {
	gated, gate := gatedDir(t)
	mnt := mountTarget(t, filepath.Join(gated, "disc.iso"))
	write(t, filepath.Join(mnt, "big.bin"), strings.Repeat("0123456789abcdef", 1<<20)) // 16 MiB

	cmd := clitest.Command(t, "commit", "--progress=lines", mnt)
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	gate.arm(4 << 20)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	blocked := make(chan struct{})
	go func() { gate.waitBlocked(t); close(blocked) }()
	select {
	case <-blocked:
	case err := <-exited:
		t.Fatalf("the commit ended (%v) before the image had 4 MiB written:\n%s", err, out.String())
	}
	waitStatusRead(t, mnt, exited)
	cmd.Process.Signal(syscall.SIGINT)
	eventually(t, "the mount told to stop", func() bool { return strings.Contains(out.String(), "stopping the commit") })
	gate.release()
	if code := exitCode(<-exited); code != exitcodes.Interrupted {
		t.Fatalf("exit %d, want %d\n%s", code, exitcodes.Interrupted, out.String())
	}
	if !regexp.MustCompile(`(?m)^writing +stopped after [^,]+ of [0-9.]+ MiB`).MatchString(out.String()) ||
		regexp.MustCompile(`(?m)^writing +[0-9.]+ MiB in`).MatchString(out.String()) {
		t.Errorf("the writing phase of the stopped commit:\n%s", out.String())
	}
	var s struct {
		Outcomes []struct {
			State   string `json:"state"`
			Stopped bool   `json:"stopped"`
			Code    int    `json:"code"`
		} `json:"outcomes"`
	}
	if err := json.Unmarshal([]byte(clitest.Must(t, "status", "--json", mnt)), &s); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Outcomes); n == 0 || !s.Outcomes[n-1].Stopped || s.Outcomes[n-1].Code != exitcodes.Interrupted {
		t.Errorf("outcomes after the stop: %+v, want the last stopped with code %d", s.Outcomes, exitcodes.Interrupted)
	}
}

// waitStatusRead returns once a process has read the status of the
// mount at mnt (closed the status file it opened) after the call began,
// failing the test if exited delivers first.
func waitStatusRead(t *testing.T, mnt string, exited <-chan error) {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "inotify")
	defer f.Close()
	if _, err := unix.InotifyAddWatch(fd, filepath.Join(mnt, ".discstage", "status"), unix.IN_CLOSE_NOWRITE); err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() {
		_, err := f.Read(make([]byte, 4096))
		read <- err
	}()
	select {
	case err := <-read:
		if err != nil {
			t.Fatal(err)
		}
	case err := <-exited:
		t.Fatalf("the command ended (%v) before it read the status", err)
	}
}

//go:build linux

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/syncbuf"
	"github.com/discstage/discstage/platform"
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
	t.Cleanup(func() { platform.Unmount(mnt) })
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

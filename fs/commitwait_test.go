//go:build linux

package fs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
)

// eventually polls cond until it holds; the deadline only trips when
// something is truly broken, never on a slow machine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// sessionBytes extracts path from the newest session with xorriso.
func sessionBytes(t *testing.T, img, path string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "x")
	oracle.Run(t, "xorriso", "-abort_on", "FAILURE", "-indev", img, "-osirrox", "on", "-extract", path, out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writersGone waits until the mount has seen every file open for
// writing closed: the kernel tells it (FUSE_RELEASE) only after close(2)
// has returned.
func writersGone(t *testing.T, mnt string) {
	t.Helper()
	eventually(t, "the mount to see the files closed", func() bool { return len(status(t, mnt).OpenForWriting) == 0 })
}

// holdOpen creates name in the mount, writes data and keeps it open for
// writing.
func holdOpen(t *testing.T, mnt, name string, data []byte) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(mnt, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCommitWaitsForWriter: a commit from the command line that finds a
// file open for writing waits for it, says so in its output and in
// status, and writes the whole file once it is closed.
func TestCommitWaitsForWriter(t *testing.T) {
	oracle.Need(t, "xorriso", "go")
	bin := buildBinary(t)
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	first, second := bytes.Repeat([]byte("first half "), 40000), bytes.Repeat([]byte("second half "), 40000)
	w := holdOpen(t, f.mnt, "big.bin", first)

	cmd := exec.Command(bin, "commit", "--wait-timeout", "30m", f.mnt)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	eventually(t, "the commit to wait for big.bin", func() bool {
		s := status(t, f.mnt)
		return s.State == staging.StateWaiting && len(s.OpenForWriting) == 1 && s.OpenForWriting[0].Path == "/big.bin"
	})
	if st, code := discstage(t, bin, "status", f.mnt); code != 0 || !strings.Contains(st, "waiting for 1 staged file open for writing") || !strings.Contains(st, "big.bin") {
		t.Errorf("status while the commit waits: exit %d\n%s", code, st)
	}
	if s := f.area.Status(); s.Sessions != 0 {
		t.Fatal("a session was written while big.bin was open for writing")
	}
	if _, err := w.Write(second); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := <-done; err != nil {
		t.Fatalf("commit: %v\n%s", err, out.String())
	}
	o := out.String()
	if !strings.Contains(o, "waiting for 1 staged file open for writing") || !strings.Contains(o, "big.bin") ||
		!strings.Contains(o, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("the commit's output does not say what it waits for and who holds it:\n%s", o)
	}
	if got := sessionBytes(t, f.img, "/big.bin"); !bytes.Equal(got, append(first, second...)) {
		t.Errorf("the session holds %d bytes of big.bin, want %d", len(got), len(first)+len(second))
	}
	if s := status(t, f.mnt); s.Pending || len(s.Partial) != 0 {
		t.Errorf("status after the commit: %+v", s)
	}
}

// TestCommitRefusedWhileWriterStaysOpen: a writer that never closes makes
// commit and eject give up after their timeout with exit 11 and the file
// and its process named; nothing is written and everything stays staged.
func TestCommitRefusedWhileWriterStaysOpen(t *testing.T) {
	oracle.Need(t, "xorriso", "go")
	bin := buildBinary(t)
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	os.WriteFile(filepath.Join(f.mnt, "closed.txt"), []byte("closed"), 0o644)
	writersGone(t, f.mnt)
	w := holdOpen(t, f.mnt, "big.bin", []byte("never finished"))

	pid := fmt.Sprintf("pid %d", os.Getpid())
	for _, args := range [][]string{
		{"commit", "--wait-timeout", "200ms", f.mnt},
		{"commit", "--wait-timeout", "0s", f.mnt},
		{"eject", "--wait-timeout", "200ms", f.mnt},
	} {
		out, code := discstage(t, bin, args...)
		if code != exitcodes.Busy || !strings.Contains(out, filepath.Join(f.mnt, "big.bin")) || !strings.Contains(out, pid) ||
			!strings.Contains(out, "nothing written") || strings.Contains(out, "closed.txt") {
			t.Errorf("discstage %s: exit %d, want %d with big.bin and %s named\n%s", strings.Join(args, " "), code, exitcodes.Busy, pid, out)
		}
	}
	err := os.WriteFile(filepath.Join(f.mnt, ControlName, "ctl"), []byte("commit wait=0"), 0)
	if !errors.Is(err, syscall.EBUSY) {
		t.Errorf("ctl commit wait=0: %v, want EBUSY", err)
	}
	if m, err := platform.Mounted(f.mnt); err != nil || !m {
		t.Error("a refused eject unmounted")
	}
	if fi, err := os.Stat(f.img); err != nil || fi.Size() != 0 {
		t.Errorf("the image got bytes: %v", err)
	}
	s := status(t, f.mnt)
	if s.Sessions != 0 || !s.Pending || s.StagedFiles != 2 || len(s.GaveUpOn) != 1 || len(s.OpenForWriting) != 1 {
		t.Errorf("status after the refusals: %+v", s)
	}
	w.Write([]byte(", now finished"))
	w.Close()
	writersGone(t, f.mnt)
	if b, _ := os.ReadFile(filepath.Join(f.mnt, "big.bin")); string(b) != "never finished, now finished" {
		t.Errorf("big.bin in the view: %q", b)
	}
	if out, code := discstage(t, bin, "commit", "--wait-timeout", "0s", f.mnt); code != 0 {
		t.Fatalf("commit after the writer closed: exit %d\n%s", code, out)
	}
	if got := sessionBytes(t, f.img, "/big.bin"); string(got) != "never finished, now finished" {
		t.Errorf("session holds %q", got)
	}
}

// TestCommitNowWritesOpenFiles: commit --now (and "commit now" in ctl)
// writes files open for writing as they are and names each with the size
// written.
func TestCommitNowWritesOpenFiles(t *testing.T) {
	oracle.Need(t, "xorriso", "go")
	bin := buildBinary(t)
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	w := holdOpen(t, f.mnt, "big.bin", []byte("first half"))
	out, code := discstage(t, bin, "commit", "--now", "--wait-timeout", "0s", f.mnt)
	if code != 0 || !strings.Contains(out, "big.bin was open for writing") || !strings.Contains(out, "10 bytes") {
		t.Errorf("commit --now: exit %d\n%s", code, out)
	}
	if got := sessionBytes(t, f.img, "/big.bin"); string(got) != "first half" {
		t.Errorf("session 1 holds %q", got)
	}
	if s := status(t, f.mnt); len(s.Partial) != 1 || s.Partial[0] != (staging.OpenFile{Path: "/big.bin", Size: 10}) {
		t.Errorf("status lists %+v as written partly", s.Partial)
	}
	if st, _ := discstage(t, bin, "status", f.mnt); !strings.Contains(st, "partial:") || !strings.Contains(st, "/big.bin") {
		t.Errorf("status after commit --now:\n%s", st)
	}
	w.Write([]byte(", second half"))
	if err := os.WriteFile(filepath.Join(f.mnt, ControlName, "ctl"), []byte("commit now"), 0); err != nil {
		t.Fatalf("ctl commit now: %v", err)
	}
	if err := f.area.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := sessionBytes(t, f.img, "/big.bin"); string(got) != "first half, second half" {
		t.Errorf("session 2 holds %q", got)
	}
	if s := status(t, f.mnt); len(s.Partial) != 1 || s.Partial[0].Size != 23 {
		t.Errorf("status after ctl commit now: %+v", s.Partial)
	}
}

// TestReaderDoesNotDelayCommit: a file held open only for reading neither
// delays a commit nor stays staged after it, so the next commit has
// nothing to write.
func TestReaderDoesNotDelayCommit(t *testing.T) {
	oracle.Need(t, "xorriso", "go")
	bin := buildBinary(t)
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	p := filepath.Join(f.mnt, "read.me")
	if err := os.WriteFile(p, []byte("read only"), 0o644); err != nil {
		t.Fatal(err)
	}
	writersGone(t, f.mnt)
	r, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// --wait-timeout 0s: refused at once if the reader counted.
	if out, code := discstage(t, bin, "commit", "--wait-timeout", "0s", f.mnt); code != 0 || strings.Contains(out, "open for writing") {
		t.Fatalf("commit with a reader: exit %d\n%s", code, out)
	}
	if got := sessionBytes(t, f.img, "/read.me"); string(got) != "read only" {
		t.Errorf("session holds %q", got)
	}
	if s := status(t, f.mnt); s.Pending || s.StagedFiles != 0 {
		t.Errorf("a file held open for reading stays pending after the commit: %+v", s)
	}
	if out, code := discstage(t, bin, "commit", f.mnt); code != 0 || !strings.Contains(out, "nothing staged: nothing written") {
		t.Errorf("a second commit: exit %d\n%s", code, out)
	}
	b := make([]byte, 64)
	if n, _ := r.ReadAt(b, 0); string(b[:n]) != "read only" {
		t.Errorf("the reader reads %q after the commit", b[:n])
	}
	r.Close()
	if n := len(sessions(t, f.img)); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
}

// TestCommitCloseWithNothingStaged: commit --close with nothing staged
// closes a DVD+R without writing a session; a CD-R, which closes only
// with a session, refuses.
func TestCommitCloseWithNothingStaged(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "go")
	bin := buildBinary(t)
	for _, c := range []struct {
		profile string
		closes  bool
	}{{"dvd+r", true}, {"cd-r", false}} {
		work := t.TempDir()
		target, mnt := "emulated:"+c.profile+":"+filepath.Join(work, "disc.img"), filepath.Join(work, "mnt")
		os.Mkdir(mnt, 0o755)
		if out, code := discstage(t, bin, "mount", target, mnt, "--staging", filepath.Join(work, "area")); code != 0 {
			t.Fatalf("%s: mount: exit %d\n%s", c.profile, code, out)
		}
		mounted := true
		t.Cleanup(func() {
			if mounted {
				platform.Unmount(mnt)
			}
		})
		os.WriteFile(filepath.Join(mnt, "a.txt"), []byte("a"), 0o644)
		if out, code := discstage(t, bin, "commit", mnt); code != 0 {
			t.Fatalf("%s: commit: exit %d\n%s", c.profile, code, out)
		}
		out, code := discstage(t, bin, "commit", "--close", mnt)
		s := status(t, mnt)
		if c.closes {
			if code != 0 || !strings.Contains(out, "closed without a new session") || !s.Closed || s.Sessions != 1 {
				t.Errorf("%s: commit --close with nothing staged: exit %d, status %+v\n%s", c.profile, code, s, out)
			}
			if err := os.WriteFile(filepath.Join(mnt, "b.txt"), []byte("b"), 0o644); !errors.Is(err, syscall.EROFS) {
				t.Errorf("%s: a write to a closed disc: %v, want EROFS", c.profile, err)
			}
		} else if code == 0 || !strings.Contains(out, "closed only by writing a session") || s.Closed || s.Sessions != 1 {
			t.Errorf("%s: commit --close with nothing staged: exit %d, status %+v\n%s", c.profile, code, s, out)
		}
		if out, code := discstage(t, bin, "unmount", mnt); code != 0 {
			t.Fatalf("%s: unmount: exit %d\n%s", c.profile, code, out)
		}
		mounted = false
		want := "appendable, 1 session(s)"
		if c.closes {
			want = "closed, 1 session(s)"
		}
		if out, _ := discstage(t, bin, "drives", "--device", target); !strings.Contains(out, want) {
			t.Errorf("%s: drives after the commit --close: want %q\n%s", c.profile, want, out)
		}
	}
}

//go:build linux

package fs

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/fs/conformance"
	"github.com/discstage/discstage/internal/clitest"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
)

// TestMain removes the command built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	clitest.Cleanup()
	os.Exit(code)
}

// buildBinary returns the discstage command, built once for all tests
// (internal/clitest: the one builder of the tests of the binary).
func buildBinary(t *testing.T) string { return clitest.Build(t) }

// child is a mount process started from the built binary.
type child struct {
	cmd  *exec.Cmd
	mnt  string
	done chan error
}

func startMount(t *testing.T, bin, img, area, mnt string) *child {
	t.Helper()
	cmd := exec.Command(bin, "mount", img, mnt, "--foreground", "--staging", area)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ready, err := withReadyPipe(cmd)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	c := &child{cmd: cmd, mnt: mnt, done: done}
	t.Cleanup(func() {
		cmd.Process.Kill()
		platform.Unmount(mnt)
	})
	if err := waitReady(ready, 5*time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	return c
}

// withReadyPipe starts cmd, a mount, with a pipe on which it says when
// it is ready (as a mount started in the background tells its parent),
// and returns the pipe's reading end. Ready means the mount serves
// requests and has made its own last access to the mount point: a
// SIGKILL earlier could catch the process waiting on its own mount,
// which the kernel never lets end.
func withReadyPipe(cmd *exec.Cmd) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(os.Environ(), "DISCSTAGE_READY_FD=3")
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// waitReady reads a mount's ready pipe until it says "ok", fails or ends.
func waitReady(ready *os.File, timeout time.Duration) error {
	res := make(chan error, 1)
	go func() {
		defer ready.Close()
		sc := bufio.NewScanner(ready)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "ok":
				res <- nil
				return
			case strings.HasPrefix(line, "error "):
				res <- fmt.Errorf("mount failed: %s", strings.TrimPrefix(line, "error "))
				return
			}
		}
		res <- errors.New("the mount ended before it was ready")
	}()
	select {
	case err := <-res:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("mount not ready after %v", timeout)
	}
}

// kill kills the mount process with SIGKILL.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

// clear unmounts the dead mount a killed process left.
func (c *child) clear(t *testing.T) {
	t.Helper()
	if err := platform.Unmount(c.mnt); err != nil {
		t.Fatalf("clear dead mount: %v", err)
	}
}

func status(t *testing.T, mnt string) staging.Status {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mnt, ControlName, "status"))
	if err != nil {
		t.Fatal(err)
	}
	var s staging.Status
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// commitAndWait commits through the control file and waits for the end.
func commitAndWait(t *testing.T, mnt string) {
	t.Helper()
	before := status(t, mnt).Commits
	if err := os.WriteFile(filepath.Join(mnt, ControlName, "ctl"), []byte("commit"), 0); err != nil {
		t.Fatalf("commit: %v (%+v)", err, status(t, mnt))
	}
	for {
		s := status(t, mnt)
		if s.State == staging.StateIdle && s.Commits > before {
			if s.LastError != "" {
				t.Fatalf("commit failed: %s", s.LastError)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeBoth writes the same bytes into the mount and the reference tree.
func writeBoth(t *testing.T, mnt, ref, name string, data []byte) {
	t.Helper()
	for _, root := range []string{mnt, ref} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKillDuringCopyAndCommit(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso", "go")
	bin := buildBinary(t)
	work := t.TempDir()
	img, area, mnt, ref := filepath.Join(work, "disc.iso"), filepath.Join(work, "area"), filepath.Join(work, "mnt"), filepath.Join(work, "ref")
	for _, d := range []string{mnt, ref} {
		os.Mkdir(d, 0o755)
	}
	c := startMount(t, bin, img, area, mnt)

	// A copy killed halfway: closed files and fsynced bytes survive.
	for i := 0; i < 20; i++ {
		b := make([]byte, 1000*i)
		rand.Read(b)
		writeBoth(t, mnt, ref, fmt.Sprintf("copy/f%02d", i), b)
	}
	synced := make([]byte, 4<<20)
	rand.Read(synced)
	big, err := os.Create(filepath.Join(mnt, "copy/big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := big.Write(synced); err != nil {
		t.Fatal(err)
	}
	if err := big.Sync(); err != nil {
		t.Fatal(err)
	}
	big.Write(bytes.Repeat([]byte("u"), 1<<20))
	c.kill(t)
	big.Close()
	c.clear(t)

	c = startMount(t, bin, img, area, mnt)
	got, err := os.ReadFile(filepath.Join(mnt, "copy/big.bin"))
	if err != nil || len(got) < len(synced) || !bytes.Equal(got[:len(synced)], synced) {
		t.Fatalf("after kill -9 the fsynced part of big.bin is lost (%d bytes, %v)", len(got), err)
	}
	os.WriteFile(filepath.Join(ref, "copy/big.bin"), got, 0o644)
	if s := status(t, mnt); s.StagedFiles != 21 {
		t.Errorf("staged files after kill -9 and remount: %d, want 21", s.StagedFiles)
	}
	diffDirs(t, ref, mnt)
	syncTimes(t, ref, mnt)
	commitAndWait(t, mnt)
	xorrisoCompare(t, ref, "-indev", img, "-compare_r", ref, "/")

	// A commit killed halfway: the image keeps its sessions and the
	// staged files stay (or the session landed and is taken as written).
	writeBoth(t, mnt, ref, "second/small.txt", []byte("second session"))
	for _, root := range []string{mnt, ref} {
		if err := os.Truncate(filepath.Join(root, "second/huge.bin"), 0); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(root, "second/huge.bin"))
		if err != nil {
			t.Fatal(err)
		}
		f.Truncate(300 << 20)
		f.Close()
	}
	syncTimes(t, ref, mnt)
	if err := os.WriteFile(filepath.Join(mnt, ControlName, "ctl"), []byte("commit"), 0); err != nil {
		t.Fatal(err)
	}
	sawCommit := false
	for i := 0; i < 1000 && !sawCommit; i++ {
		sawCommit = status(t, mnt).State == staging.StateCommitting
	}
	if !sawCommit {
		// The kill lands after the commit; both outcomes are checked below.
		t.Log("the commit ended before it could be killed")
	}
	c.kill(t)
	c.clear(t)
	toc := oracle.Run(t, "xorriso", "-indev", img, "-toc")
	if n := len(tocLine.FindAllString(toc, -1)); n < 1 {
		t.Fatalf("sessions lost after kill -9 during a commit:\n%s", toc)
	}
	c = startMount(t, bin, img, area, mnt)
	diffDirs(t, ref, mnt)
	if s := status(t, mnt); s.Pending {
		t.Logf("the killed commit did not land; %d files stay staged", s.StagedFiles)
		commitAndWait(t, mnt)
	} else {
		t.Logf("the killed commit had landed; the remount took it as written")
	}
	xorrisoCompare(t, ref, "-indev", img, "-compare_r", ref, "/")
	if n := len(tocLine.FindAllString(oracle.Run(t, "xorriso", "-indev", img, "-toc"), -1)); n != 2 {
		t.Errorf("%d sessions at the end, want 2", n)
	}
	// A clean stop through the CLI: the mount goes away, nothing is staged.
	if out, err := exec.Command(bin, "unmount", mnt).CombinedOutput(); err != nil {
		t.Fatalf("discstage unmount: %v\n%s", err, out)
	}
	if m, _ := platform.Mounted(mnt); m {
		t.Error("still mounted after discstage unmount")
	}
}

// syncTimes gives ref and its twin under mnt the same times
// (conformance.SyncTimes).
func syncTimes(t *testing.T, ref, mnt string) { conformance.SyncTimes(t, ref, mnt) }

// diffDirs checks that two local trees hold the same files,
// with an independent tool: diff.
func diffDirs(t *testing.T, want, got string) {
	t.Helper()
	if out, err := exec.Command("diff", "-r", "--no-dereference", want, got).CombinedOutput(); err != nil {
		t.Errorf("diff -r %s %s: %v\n%s", want, got, err, out)
	}
}

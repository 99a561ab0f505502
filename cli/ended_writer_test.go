//go:build linux

package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/syncbuf"
)

// TestCommitWaitsForAWriterOfAKilledMount: a program writing a staged
// file when the mount's process is killed goes on writing (the kernel
// keeps the file's data file open for it, in passthrough mode, and its
// writes succeed). Mounted again, a commit waits for it to close the
// file, saying which file, and writes the whole file; before, it wrote
// what was there, cleared the staging area, and the writes after were
// lost though every one succeeded.
func TestCommitWaitsForAWriterOfAKilledMount(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso")
	work := t.TempDir()
	runDir := filepath.Join(work, "run")
	env := clitest.Env("XDG_RUNTIME_DIR=" + runDir)
	img, mnt, area := filepath.Join(work, "disc.iso"), filepath.Join(work, "mnt"), filepath.Join(work, "area")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	must := func(args ...string) string {
		t.Helper()
		r := clitest.Run(t, args, env)
		if r.Code != 0 {
			t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output())
		}
		return r.Output()
	}
	must("mount", img, mnt, "--staging", area)
	unmountAtEnd(t, mnt, area)
	f, err := os.Create(filepath.Join(mnt, "live.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want bytes.Buffer
	chunk := func(c byte) {
		t.Helper()
		b := bytes.Repeat([]byte{c}, 4096)
		if _, err := f.Write(b); err != nil {
			t.Fatalf("write after %d bytes: %v", want.Len(), err)
		}
		want.Write(b)
	}
	chunk('a')
	pid := mountPID(t, filepath.Join(runDir, "discstage-locks"), mnt)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mount's process to die", func() bool {
		_, err := os.Stat(mnt)
		return errors.Is(err, syscall.ENOTCONN)
	})
	if _, err := f.Write([]byte("x")); err != nil {
		oracle.Unavailable(t, "writes through a killed mount fail (%v): the kernel keeps no passthrough file", err)
	}
	want.WriteString("x")
	chunk('b')

	must("mount", img, mnt, "--staging", area)
	commit := clitest.Command(t, "commit", "--progress=none", "--wait-timeout", "2m", mnt)
	var out syncbuf.Buffer
	commit.Stdout, commit.Stderr = &out, &out
	commit.Env = append(commit.Env, "XDG_RUNTIME_DIR="+runDir)
	if err := commit.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- commit.Wait() }()
	eventually(t, "the commit to wait for live.bin", func() bool {
		b, _ := os.ReadFile(filepath.Join(mnt, ".discstage", "status"))
		return strings.Contains(string(b), `"state": "waiting"`)
	})
	chunk('c')
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the commit ended (%v) while live.bin was still written:\n%s", err, out.String())
	default:
	}
	chunk('d')
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("commit: %v\n%s", err, out.String())
	}
	got := filepath.Join(work, "live.bin")
	oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/live.bin", got)
	if b, err := os.ReadFile(got); err != nil || !bytes.Equal(b, want.Bytes()) {
		t.Errorf("live.bin on the disc: %d bytes, %v; want the %d written", len(b), err, want.Len())
	}
}

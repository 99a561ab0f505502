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

// ghostWriter is a program (this test) writing a staged file through a
// mount whose process was killed, and the mount made again over the
// same area.
type ghostWriter struct {
	f                      *os.File
	want                   bytes.Buffer
	env                    clitest.Option
	runDir, img, mnt, area string
}

// newGhostWriter mounts an image, creates live.bin in the mount and
// writes to it, kills the mount's process, writes on, and mounts again.
func newGhostWriter(t *testing.T) *ghostWriter {
	t.Helper()
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso")
	work := t.TempDir()
	g := &ghostWriter{runDir: filepath.Join(work, "run")}
	g.env = clitest.Env("XDG_RUNTIME_DIR=" + g.runDir)
	g.img, g.mnt, g.area = filepath.Join(work, "disc.iso"), filepath.Join(work, "mnt"), filepath.Join(work, "area")
	if err := os.Mkdir(g.mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	g.must(t, "mount", g.img, g.mnt, "--staging", g.area)
	unmountAtEnd(t, g.mnt, g.area)
	var err error
	if g.f, err = os.Create(filepath.Join(g.mnt, "live.bin")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.f.Close() })
	g.chunk(t, 'a')
	pid := mountPID(t, filepath.Join(g.runDir, "discstage-locks"), g.mnt)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mount's process to die", func() bool {
		_, err := os.Stat(g.mnt)
		return errors.Is(err, syscall.ENOTCONN)
	})
	if _, err := g.f.Write([]byte("x")); err != nil {
		oracle.Unavailable(t, "writes through a killed mount fail (%v): the kernel keeps no passthrough file", err)
	}
	g.want.WriteString("x")
	g.chunk(t, 'b')
	g.must(t, "mount", g.img, g.mnt, "--staging", g.area)
	return g
}

func (g *ghostWriter) must(t *testing.T, args ...string) string {
	t.Helper()
	r := clitest.Run(t, args, g.env)
	if r.Code != 0 {
		t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output())
	}
	return r.Output()
}

// chunk writes 4 KiB of c to live.bin.
func (g *ghostWriter) chunk(t *testing.T, c byte) {
	t.Helper()
	b := bytes.Repeat([]byte{c}, 4096)
	if _, err := g.f.Write(b); err != nil {
		t.Fatalf("write after %d bytes: %v", g.want.Len(), err)
	}
	g.want.Write(b)
}

// close closes live.bin.
func (g *ghostWriter) close(t *testing.T) {
	t.Helper()
	if err := g.f.Close(); err != nil {
		t.Fatal(err)
	}
}

// onDisc checks that live.bin on the disc's newest session holds all
// that was written, as xorriso reads it.
func (g *ghostWriter) onDisc(t *testing.T) {
	t.Helper()
	got := filepath.Join(t.TempDir(), "live.bin")
	oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", g.img, "-extract", "/live.bin", got)
	if b, err := os.ReadFile(got); err != nil || !bytes.Equal(b, g.want.Bytes()) {
		t.Errorf("live.bin on the disc: %d bytes, %v; want the %d written", len(b), err, g.want.Len())
	}
}

// TestCommitWaitsForAWriterOfAKilledMount: a program writing a staged
// file when the mount's process is killed goes on writing (the kernel
// keeps the file's data file open for it, in passthrough mode, and its
// writes succeed). Mounted again, a commit waits for it to close the
// file, though the file is open for reading in the new mount, and
// writes the whole file; before, it wrote what was there, cleared the
// staging area, and the writes after were lost though every one
// succeeded.
func TestCommitWaitsForAWriterOfAKilledMount(t *testing.T) {
	g := newGhostWriter(t)
	reader, err := os.Open(filepath.Join(g.mnt, "live.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	commit := clitest.Command(t, "commit", "--progress=none", "--wait-timeout", "2m", g.mnt)
	var out syncbuf.Buffer
	commit.Stdout, commit.Stderr = &out, &out
	commit.Env = append(commit.Env, "XDG_RUNTIME_DIR="+g.runDir)
	if err := commit.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- commit.Wait() }()
	eventually(t, "the commit to wait for live.bin", func() bool {
		b, _ := os.ReadFile(filepath.Join(g.mnt, ".discstage", "status"))
		return strings.Contains(string(b), `"state": "waiting"`) && strings.Contains(string(b), `"mount_ended": true`)
	})
	g.chunk(t, 'c')
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the commit ended (%v) while live.bin was still written:\n%s", err, out.String())
	default:
	}
	g.chunk(t, 'd')
	g.close(t)
	if err := <-done; err != nil {
		t.Fatalf("commit: %v\n%s", err, out.String())
	}
	g.onDisc(t)
}

// TestCommitNowKeepsAWriterOfAKilledMountStaged: commit --now takes a
// file still written through a killed mount as it is, as a file open
// for writing in the mount: a copy goes to the disc, said to be
// partial, and the file stays staged with all that is written after;
// before, its data file went to the medium and what was written after
// was lost.
func TestCommitNowKeepsAWriterOfAKilledMountStaged(t *testing.T) {
	g := newGhostWriter(t)
	out := g.must(t, "commit", "--progress=none", "--now", g.mnt)
	if !strings.Contains(out, "live.bin") {
		t.Errorf("commit --now does not name the file still written:\n%s", out)
	}
	g.chunk(t, 'c')
	g.close(t)
	if s := mountStatus(t, g.mnt); !s.Pending {
		t.Fatalf("live.bin is not staged after commit --now")
	}
	g.must(t, "commit", "--progress=none", g.mnt)
	g.onDisc(t)
}

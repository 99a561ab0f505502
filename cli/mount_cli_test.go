//go:build linux

package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/fs/conformance"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer"
	"golang.org/x/sys/unix"
)

// tocLine matches a session line of xorriso -toc.
var tocLine = regexp.MustCompile(`ISO session\s*:\s*(\d+)\s*,\s*(\d+)\s*,`)

// mountStatus reads a mount's status file, the fields the tests use.
func mountStatus(t *testing.T, mnt string) (s struct {
	Pending  bool `json:"pending"`
	Sessions int  `json:"sessions"`
}) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mnt, ".discstage", "status"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCommandLine(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso", "go")
	bin := buildBinary(t)
	work := t.TempDir()
	img, area, mnt := filepath.Join(work, "disc.iso"), filepath.Join(work, "area"), filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	unmountAtEnd(t, mnt, area)

	// In the background by default: the command returns once it serves.
	if out, code := discstage(t, bin, "mount", img, mnt, "--staging", area, "--media", "cd-r"); code != 0 {
		t.Fatalf("mount: exit %d\n%s", code, out)
	}
	if m, err := platform.Mounted(mnt); err != nil || !m {
		t.Fatalf("not mounted after discstage mount returned: %v", err)
	}
	mnt2 := filepath.Join(work, "mnt2")
	os.Mkdir(mnt2, 0o755)
	if out, code := discstage(t, bin, "mount", img, mnt2, "--staging", area); code != exitcodes.Busy || !strings.Contains(out, "in use") {
		t.Errorf("a second mount of the same area: exit %d, want %d\n%s", code, exitcodes.Busy, out)
	}
	if err := os.WriteFile(filepath.Join(mnt, "hello.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	// statfs: the CD-R's size, less the session the staged file makes.
	var sf unix.Statfs_t
	if err := unix.Statfs(mnt, &sf); err != nil {
		t.Fatal(err)
	}
	capacity, _ := writer.MediaCapacity("cd-r")
	if sf.Bsize != 2048 || sf.Blocks != uint64(capacity) || sf.Bavail >= sf.Blocks-32 || sf.Bavail == 0 {
		t.Errorf("statfs: bsize %d, blocks %d (want %d), available %d", sf.Bsize, sf.Blocks, capacity, sf.Bavail)
	}
	out, code := discstage(t, bin, "status", mnt)
	if code != 0 || !strings.Contains(out, "staged:    1 file,") || !strings.Contains(out, "free") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != 0 || !strings.Contains(out, "session 1") {
		t.Fatalf("commit: exit %d\n%s", code, out)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != 0 || !strings.Contains(out, "nothing staged") {
		t.Errorf("commit with nothing staged: exit %d\n%s", code, out)
	}
	// A file too big for the CD-R that the image stands in for.
	if err := os.Truncate(filepath.Join(mnt, "hello.txt"), 800<<20); err != nil {
		t.Fatal(err)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != exitcodes.NoSpace {
		t.Errorf("oversized commit: exit %d, want %d\n%s", code, exitcodes.NoSpace, out)
	}
	if err := os.Truncate(filepath.Join(mnt, "hello.txt"), 3); err != nil {
		t.Fatal(err)
	}
	out, code = discstage(t, bin, "status", mnt, "--json")
	if code != 0 || !strings.Contains(out, `"pending": true`) {
		t.Errorf("status --json: exit %d\n%s", code, out)
	}
	if out, code := discstage(t, bin, "unmount", mnt); code != 0 || !strings.Contains(out, "1 change waits for the next commit: 1 changed; 1 file (3 B) staged") {
		t.Errorf("unmount: exit %d\n%s", code, out)
	}
	// Remount; eject commits what is staged and unmounts.
	if out, code := discstage(t, bin, "mount", img, mnt, "--staging", area, "--media", "cd-r"); code != 0 {
		t.Fatalf("remount: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "hello.txt")); err != nil || string(b) != "hel" {
		t.Errorf("staged change after remount: %q, %v", b, err)
	}
	if out, code := discstage(t, bin, "eject", mnt); code != 0 {
		t.Fatalf("eject: exit %d\n%s", code, out)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if m, _ := platform.Mounted(mnt); !m {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still mounted after eject")
		}
		time.Sleep(50 * time.Millisecond)
	}
	toc := oracle.Run(t, "xorriso", "-indev", img, "-toc")
	if n := len(tocLine.FindAllString(toc, -1)); n != 2 {
		t.Errorf("%d sessions after eject, want 2:\n%s", n, toc)
	}
	x := filepath.Join(work, "x")
	oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/hello.txt", x)
	if b, _ := os.ReadFile(x); string(b) != "hel" {
		t.Errorf("hello.txt in session 2 = %q", b)
	}
}

// TestEmulatedDrive stages two sessions for an emulated CD-R (write-once,
// a real table of contents) and ejects it through the mount.
func TestEmulatedDrive(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "go", "diff")
	bin := buildBinary(t)
	work := t.TempDir()
	target := "emulated:cd-r:" + filepath.Join(work, "cdr.img")
	area, mnt, src := filepath.Join(work, "area"), filepath.Join(work, "mnt"), filepath.Join(work, "src")
	os.Mkdir(mnt, 0o755)
	conformance.MakeTree(t, src)
	unmountAtEnd(t, mnt, area)

	if out, code := discstage(t, bin, "mount", target, mnt, "--staging", area); code != 0 {
		t.Fatalf("mount: exit %d\n%s", code, out)
	}
	if out, err := exec.Command("cp", "-a", src+"/.", mnt).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != 0 {
		t.Fatalf("commit 1: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(filepath.Join(mnt, "second.txt"), []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "second.txt"), []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := discstage(t, bin, "eject", mnt); code != 0 {
		t.Fatalf("eject: exit %d\n%s", code, out)
	}
	// Remount: the drive's two sessions, the view equal to the source.
	if out, code := discstage(t, bin, "mount", target, mnt, "--staging", area); code != 0 {
		t.Fatalf("remount: exit %d\n%s", code, out)
	}
	des, err := os.ReadDir(filepath.Join(mnt, ".discstage", "sessions"))
	if err != nil || len(des) != 2 {
		t.Errorf("sessions after eject: %v, %v", des, err)
	}
	if out, err := exec.Command("diff", "-r", "--no-dereference", src, mnt).CombinedOutput(); err != nil {
		t.Errorf("the drive's newest session differs from the source: %v\n%s", err, out)
	}
	if s := mountStatus(t, mnt); s.Pending || s.Sessions != 2 {
		t.Errorf("status after remount: %+v", s)
	}
	if out, code := discstage(t, bin, "unmount", mnt); code != 0 {
		t.Errorf("unmount: exit %d\n%s", code, out)
	}
}

// TestCommitOntoFullFileSystem: an image's free space is the room its
// file system has: status says it, a dry run says what is staged does
// not fit, and the commit is refused with the code append gives the same
// fault (no space) before it writes; the image keeps its size, and the
// file stays staged.
func TestCommitOntoFullFileSystem(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "go")
	bin := buildBinary(t)
	work := t.TempDir()
	small := filepath.Join(work, "small")
	os.Mkdir(small, 0o755)
	if err := unix.Mount("tmpfs", small, "tmpfs", 0, "size=3m"); err != nil {
		t.Fatalf("mount a small tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(small, unix.MNT_DETACH) })
	img, area, mnt := filepath.Join(small, "disc.iso"), filepath.Join(work, "area"), filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	unmountAtEnd(t, mnt, area)
	if out, code := discstage(t, bin, "mount", img, mnt, "--staging", area); code != 0 {
		t.Fatalf("mount: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(filepath.Join(mnt, "small.txt"), []byte("fits"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != 0 {
		t.Fatalf("first commit: exit %d\n%s", code, out)
	}
	before, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 4<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := os.WriteFile(filepath.Join(mnt, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := discstage(t, bin, "status", mnt); code != 0 || strings.Contains(out, "unbounded") || !strings.Contains(out, "free") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	if out, code := discstage(t, bin, "commit", "--dry-run", mnt); !strings.Contains(out, "does not fit") {
		t.Errorf("dry run: exit %d\n%s", code, out)
	}
	out, code := discstage(t, bin, "commit", mnt)
	if code != exitcodes.NoSpace || !strings.Contains(out, "do not fit") {
		t.Errorf("commit onto a full file system: exit %d, want %d\n%s", code, exitcodes.NoSpace, out)
	}
	if after, err := os.Stat(img); err != nil || after.Size() != before.Size() {
		t.Errorf("the image after the failed commit: %v, %v; it was %d bytes", after.Size(), err, before.Size())
	}
	if got, err := os.ReadFile(filepath.Join(mnt, "big.bin")); err != nil || string(got) != string(big) {
		t.Errorf("the staged file after the failed commit: %d bytes, %v", len(got), err)
	}
	if !mountStatus(t, mnt).Pending {
		t.Error("nothing staged after the failed commit")
	}
	if out, code := discstage(t, bin, "unmount", mnt); code != 0 {
		t.Errorf("unmount: exit %d\n%s", code, out)
	}
}

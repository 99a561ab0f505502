//go:build linux

package fs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/discstage/discstage/fs/conformance"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/staging"
)

// makeTree writes the conformance suite's small tree of files, links
// and directories.
func makeTree(t *testing.T, dir string) { conformance.MakeTree(t, dir) }

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// commitNow starts a commit through the control file and waits for it.
func (f *fixture) commitNow(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.mnt, ControlName, "ctl"), []byte("commit\n"), 0); err != nil {
		t.Fatalf("write commit to ctl: %v (status: %+v)", err, f.area.Status())
	}
	if err := f.area.Wait(); err != nil {
		t.Fatal(err)
	}
}

var tocLine = regexp.MustCompile(`ISO session\s*:\s*(\d+)\s*,\s*(\d+)\s*,`)

// sessions returns the start LBA of each session xorriso lists.
func sessions(t *testing.T, img string) []uint32 {
	t.Helper()
	out := oracle.Run(t, "xorriso", "-indev", img, "-toc")
	var lbas []uint32
	for _, m := range tocLine.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.Atoi(m[2])
		lbas = append(lbas, uint32(v))
	}
	return lbas
}

// compareSession checks one session against a directory with xorriso.
func compareSession(t *testing.T, img string, lba uint32, dir string) {
	t.Helper()
	xorrisoCompare(t, dir, "-load", "sbsector", strconv.Itoa(int(lba)), "-indev", img, "-compare_r", dir, "/")
}

// xorrisoCompare runs an xorriso comparison and fails on any difference
// but st_ctime: a status change time cannot be copied, so a file staged
// through the mount and its copy made for comparison may differ in it.
func xorrisoCompare(t *testing.T, what string, args ...string) {
	t.Helper()
	out, errOut, err := oracle.Try("xorriso", args...)
	all := out + errOut
	var diffs []string
	for _, l := range strings.Split(all, "\n") {
		if (strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "? ")) && !strings.Contains(l, ": st_ctime :") {
			diffs = append(diffs, l)
		}
	}
	if err != nil || len(diffs) > 0 || !strings.Contains(all, "Differences detected") && !strings.Contains(all, "Both file objects match") {
		t.Errorf("xorriso %s: %v; differences from %s:\n%s\n%s", strings.Join(args, " "), err, what, strings.Join(diffs, "\n"), all)
	}
}

// slowMedium holds Append until release is closed.
type slowMedium struct {
	staging.Medium
	entered, release chan struct{}
}

func (m *slowMedium) Append(ctx context.Context, root *tree.Node, o staging.CommitOptions) (uint32, error) {
	if m.entered != nil {
		close(m.entered)
		<-m.release
		m.entered = nil
	}
	return m.Medium.Append(ctx, root, o)
}

func TestWritesDuringCommitLandInNextSession(t *testing.T) {
	oracle.Need(t, "xorriso", "cp")
	work := t.TempDir()
	img := filepath.Join(work, "disc.iso")
	src1 := filepath.Join(work, "src1")
	makeTree(t, src1)
	slow := &slowMedium{entered: make(chan struct{}), release: make(chan struct{})}
	oracle.NeedFuse(t)
	f := &fixture{img: img, dir: t.TempDir(), mnt: t.TempDir(),
		wrap: func(m staging.Medium) staging.Medium { slow.Medium = m; return slow }}
	f.mount(t)
	t.Cleanup(func() { f.unmount(t) })

	run(t, "cp", "-a", src1+"/.", f.mnt)
	if err := os.WriteFile(filepath.Join(f.mnt, ControlName, "ctl"), []byte("commit"), 0); err != nil {
		t.Fatal(err)
	}
	<-slow.entered
	// During the commit: rewrite a file being committed, add one, delete one.
	if err := os.WriteFile(filepath.Join(f.mnt, "a.txt"), []byte("during"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.mnt, "late.txt"), []byte("late"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(f.mnt, "empty")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.mnt, ControlName, "ctl"), []byte("commit"), 0); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Errorf("second commit during a commit: %v, want EBUSY", err)
	}
	close(slow.release)
	if err := f.area.Wait(); err != nil {
		t.Fatal(err)
	}
	lbas := sessions(t, img)
	if len(lbas) != 1 {
		t.Fatalf("sessions: %v", lbas)
	}
	compareSession(t, img, lbas[0], src1)
	if s := f.area.Status(); !s.Pending || s.StagedFiles != 2 {
		t.Errorf("after the commit, status = %+v; want the two files written during it staged", s)
	}
	if b, _ := os.ReadFile(filepath.Join(f.mnt, "a.txt")); string(b) != "during" {
		t.Errorf("a.txt in the view = %q", b)
	}
	src2 := filepath.Join(work, "src2")
	run(t, "cp", "-a", src1, src2)
	os.WriteFile(filepath.Join(src2, "a.txt"), []byte("during"), 0o644)
	os.WriteFile(filepath.Join(src2, "late.txt"), []byte("late"), 0o644)
	os.Remove(filepath.Join(src2, "empty"))
	syncTimes(t, src2, f.mnt)
	f.commitNow(t)
	lbas = sessions(t, img)
	if len(lbas) != 2 {
		t.Fatalf("sessions: %v", lbas)
	}
	compareSession(t, img, lbas[1], src2)
}

func TestRsyncRoundTrip(t *testing.T) {
	oracle.Need(t, "rsync", "xorriso")
	work := t.TempDir()
	src := filepath.Join(work, "src")
	makeTree(t, src)
	f := mountImage(t, filepath.Join(work, "disc.iso"))
	run(t, "rsync", "-a", src+"/", f.mnt+"/")
	check := func(when string) {
		out := run(t, "rsync", "-an", "--itemize-changes", src+"/", f.mnt+"/")
		if strings.TrimSpace(out) != "" {
			t.Errorf("rsync -an --itemize-changes %s shows differences:\n%s", when, out)
		}
	}
	check("before the commit")
	f.commitNow(t)
	check("after the commit")
	f.unmount(t)
	f.mount(t)
	check("after a remount")
}

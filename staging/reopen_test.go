package staging

import (
	"context"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// treeCounter counts the reads of the newest session's tree.
type treeCounter struct {
	Medium
	newest atomic.Int32
}

func (m *treeCounter) Newest() (*tree.Node, uint32, error) {
	m.newest.Add(1)
	return m.Medium.Newest()
}

// reopen closes a and opens its area again over m, counting m's reads
// of the newest session's tree.
func reopen(t *testing.T, a *Area, m Medium) (*Area, int) {
	t.Helper()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	cm := &treeCounter{Medium: m}
	b := open(t, a.Dir(), cm)
	return b, int(cm.newest.Load())
}

// TestReopenReadsNoTree: an area opened again over a medium whose
// newest session is still its base reads no session's tree (on a disc
// of a million files that read took most of the time); one opened over
// a medium another writer added a session to reads it and rebases the
// staged changes onto it, as before.
func TestReopenReadsNoTree(t *testing.T) {
	work := t.TempDir()
	path := filepath.Join(work, "disc.iso")
	img, err := writer.OpenImage(path, writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	root, _ := manyTree(2, 3, 0)
	if _, err := burn.Append(context.Background(), img, root, burn.AppendOptions{Verify: master.VerifyNone}); err != nil {
		t.Fatal(err)
	}
	m := TargetMedium(img)
	a := open(t, filepath.Join(work, "area"), m)
	writeFile(t, a, RootID, "staged.txt", "staged")

	a, n := reopen(t, a, m)
	if n != 0 {
		t.Errorf("opening the area again over its base read the newest session's tree %d times, want none", n)
	}
	if got, _ := content(t, a, "staged.txt"); got != "staged" {
		t.Errorf("staged.txt = %q after opening again, want %q", got, "staged")
	}
	if _, ok := content(t, a, "d001/f0002"); !ok {
		t.Error("d001/f0002 of the disc is missing after opening again")
	}
	if !a.Status().Pending {
		t.Error("the area opened again has nothing pending")
	}

	// Another writer adds a session while the area is closed.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	other := &tree.Node{Mode: root.Mode, ModTime: root.ModTime, Children: append(root.Children,
		&tree.Node{Name: "other.txt", Mode: 0o644, ModTime: root.ModTime, Size: 5, Source: tree.Bytes("other")})}
	if _, err := burn.Append(context.Background(), img, other, burn.AppendOptions{Verify: master.VerifyNone}); err != nil {
		t.Fatal(err)
	}
	a, n = reopen(t, a, m)
	defer a.Close()
	if n == 0 {
		t.Error("opening the area over a medium with a new session did not read it")
	}
	for p, want := range map[string]string{"staged.txt": "staged", "other.txt": "other"} {
		if got, _ := content(t, a, p); got != want {
			t.Errorf("after the rebase: %s = %q, want %q", p, got, want)
		}
	}
}

// TestReopenPlainImage: on a plain image (every session listed at LBA
// 0) a session xorriso adds while the area is closed is told from the
// base by its size: opening the area again reads and rebases onto it.
func TestReopenPlainImage(t *testing.T) {
	oracle.Need(t, "genisoimage", "xorriso")
	work := t.TempDir()
	path := filepath.Join(work, "plain.iso")
	src := filepath.Join(work, "src")
	testtree.File(t, src, "a.txt", []byte("alpha"))
	oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-o", path, src)
	img, err := writer.OpenImage(path, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	m := TargetMedium(img)
	a := open(t, filepath.Join(work, "area"), m)
	writeFile(t, a, RootID, "here.txt", "here")
	a, n := reopen(t, a, m)
	if n != 0 {
		t.Errorf("opening the area again over its base read the newest session's tree %d times, want none", n)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	x := testtree.File(t, filepath.Join(work, "x"), "x.txt", []byte("from xorriso"))
	if out, err := exec.Command("xorriso", "-dev", path, "-map", x, "/x.txt", "-commit").CombinedOutput(); err != nil {
		t.Fatalf("xorriso: %v\n%s", err, out)
	}
	a, n = reopen(t, a, m)
	defer a.Close()
	if n == 0 {
		t.Error("opening the area over a plain image with a new session did not read it")
	}
	for p, want := range map[string]string{"a.txt": "alpha", "here.txt": "here", "x.txt": "from xorriso"} {
		if got, _ := content(t, a, p); got != want {
			t.Errorf("after the rebase: %s = %q, want %q", p, got, want)
		}
	}
}

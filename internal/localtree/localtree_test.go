package localtree_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master"
)

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub", "deeper"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "f.txt"), []byte("hello"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../nowhere", filepath.Join(dir, "sub", "link")); err != nil {
		t.Fatal(err)
	}
	mt := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	at := mt.Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "sub", "f.txt"), at, mt); err != nil {
		t.Fatal(err)
	}
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if root.Name != "" || !root.IsDir() {
		t.Fatalf("root: %+v", root)
	}
	sub := root.Child("sub")
	if sub == nil || !sub.IsDir() || sub.Mode.Perm() != 0o750 || len(sub.Children) != 3 {
		t.Fatalf("sub: %+v", sub)
	}
	f := sub.Child("f.txt")
	if f == nil || !f.IsRegular() || f.Size != 5 || f.Mode.Perm() != 0o640 || !f.ModTime.Equal(mt) {
		t.Fatalf("f.txt: %+v", f)
	}
	if f.UID != uint32(os.Getuid()) || f.GID != uint32(os.Getgid()) {
		t.Errorf("owner %d:%d, want %d:%d", f.UID, f.GID, os.Getuid(), os.Getgid())
	}
	if !f.AccessTime.Equal(at) || f.ChangeTime.IsZero() {
		t.Errorf("access time %v (want %v), change time %v", f.AccessTime, at, f.ChangeTime)
	}
	r, err := f.Source.Open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "hello" {
		t.Errorf("source yields %q", b)
	}
	l := sub.Child("link")
	if l == nil || !l.IsSymlink() || l.Target != "../nowhere" {
		t.Errorf("link: %+v", l)
	}
}

// TestBuildMastered masters a built tree and lets xorriso compare it
// with the directory, owners and times included.
func TestBuildMastered(t *testing.T) {
	oracle.Need(t, "xorriso")
	dir := filepath.Join(t.TempDir(), "src")
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "b", "data"), []byte(strings.Repeat("data", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/abs/target", filepath.Join(dir, "a", "abs")); err != nil {
		t.Fatal(err)
	}
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := master.Layout(root, master.Options{Joliet: true, RockRidge: true})
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "img.iso")
	out, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.WriteTo(out); err != nil {
		t.Fatal(err)
	}
	out.Close()
	o, e, err := oracle.Try("xorriso", "-indev", img, "-compare_r", dir, "/")
	if err != nil || strings.Contains(o+e, "Differences detected") {
		t.Errorf("xorriso -compare_r: %v\n%s%s", err, o, e)
	}
}

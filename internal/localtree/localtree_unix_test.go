//go:build unix

package localtree_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/localtree"
)

func TestBuildSpecialFilesAndLinks(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o640); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "c"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := root.Child("pipe"); p == nil || p.Mode.Type() != fs.ModeNamedPipe || p.Mode.Perm() != 0o640 {
		t.Errorf("pipe: %+v", p)
	}
	a, b, c := root.Child("a"), root.Child("b"), root.Child("c")
	if a.Link == 0 || b.Link != a.Link || c.Link != 0 {
		t.Errorf("Links: a %d, b %d, c %d; want a = b, c none", a.Link, b.Link, c.Link)
	}
	// Another walk numbers its links apart from this one's.
	again, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Child("a").Link == a.Link || a.Link < 1<<32 {
		t.Errorf("Link %d reused by another walk, or below 1<<32", a.Link)
	}
	if _, err := localtree.Build(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Build of a missing directory: %v", err)
	}
}

// A name that is not UTF-8 becomes the name a session reads it back as
// (its stray bytes as Latin-1), told to Renamed; one that another entry
// of its directory has already gets "_N" before its extension.
func TestNotUTF8Names(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"caf\xe9", "caf\xc3\xa9", "x\xff.txt", "ok"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	told := map[string]string{}
	root, err := localtree.BuildWith(dir, localtree.Options{Renamed: func(p, name string) { told[filepath.Base(p)] = name }})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range root.Children {
		got[c.Name] = true
	}
	for _, want := range []string{"café", "café_2", "xÿ.txt", "ok"} {
		if !got[want] {
			t.Errorf("no %q in %v", want, got)
		}
	}
	if len(told) != 2 || told["caf\xe9"] != "café_2" || told["x\xff.txt"] != "xÿ.txt" {
		t.Errorf("told %q", told)
	}
}

// A symbolic link to a target that is not UTF-8 keeps its bytes; a name
// the walk changes is not followed into targets (it may clash with
// another, and a target may lie outside the tree).
func TestNotUTF8LinkTargets(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"caf\xe9", "café"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range map[string]string{"bad": "caf\xe9", "ok": "café"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range root.Children {
		if want := map[string]string{"bad": "caf\xe9", "ok": "café"}[c.Name]; c.IsSymlink() && c.Target != want {
			t.Errorf("%s -> %q, want %q", c.Name, c.Target, want)
		}
	}
}

package tree

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"
)

// fsTestTree is a tree as the readers return it (children sorted by
// name) over a medium of three sectors: a file in extents, one with
// embedded bytes, one with holes, links inside, out of, across and
// looping in the tree.
func fsTestTree() (*Node, io.ReaderAt) {
	medium := make([]byte, 3*SectorSize)
	copy(medium[SectorSize:], "sector one|")
	copy(medium[2*SectorSize:], "sector two")
	m := bytes.NewReader(medium)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	dir := func(name string, kids ...*Node) *Node {
		return &Node{Name: name, Mode: fs.ModeDir | 0o755, ModTime: at, Children: kids}
	}
	link := func(name, target string) *Node {
		return &Node{Name: name, Mode: fs.ModeSymlink | 0o777, ModTime: at, Target: target}
	}
	root := dir("",
		&Node{Name: "a.txt", Mode: 0o644, ModTime: at, Size: 21, Extents: []Extent{{LBA: 1, Length: 11}, {LBA: 2, Length: 10}}},
		link("abs", "/sub/deep"),
		link("dangling", "nowhere"),
		&Node{Name: "embedded", Mode: 0o600, ModTime: at, Size: 3, Source: Bytes("abc")},
		&Node{Name: "holes", Mode: 0o600, ModTime: at, Size: 14, Source: Sparse{R: m, Extents: []Extent{{LBA: HoleLBA, Length: 2}, {LBA: 2, Length: 10}, {LBA: HoleLBA, Length: 2}}, Size: 14}},
		link("loop", "loop"),
		dir("sub",
			dir("deep", link("up", "../../a.txt")),
			link("host", "/etc/passwd")),
	)
	return root, m
}

func TestFS(t *testing.T) {
	root, medium := fsTestTree()
	fsys := FS(root, medium)
	if err := fstest.TestFS(fsys, "a.txt", "embedded", "holes", "sub/deep/up"); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a.txt": "sector one|sector two", "embedded": "abc", "holes": "\x00\x00sector two\x00\x00", "abs/up": "sector one|sector two", "dangling": ""} {
		if b, err := fs.ReadFile(fsys, name); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
	// ".." in a link's target goes back the way the walk came.
	if fi, err := fs.Stat(fsys, "abs/up"); err != nil || fi.Size() != 21 || fi.Sys().(*Node) != root.Children[0] {
		t.Errorf("abs/up: %v, %v", fi, err)
	}
	if fi, err := fs.Lstat(fsys, "loop"); err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Errorf("lstat loop: %v, %v", fi, err)
	}
	if _, err := fs.Stat(fsys, "loop/x"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat loop/x: %v, want too many links", err)
	}
	if _, err := fs.Stat(fsys, "a.txt/x"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat a.txt/x: %v, want not a directory", err)
	}
	if _, err := fs.Stat(fsys, "sub/missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat sub/missing: %v", err)
	}
	if _, err := fs.Stat(FS(nil, medium), "."); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("nil root: %v", err)
	}
}

// TestLookup: Lookup and a Finder find paths among sorted children (a
// session read back) and unsorted ones (a tree built in memory), and
// nothing below a file.
func TestLookup(t *testing.T) {
	file := func(name string) *Node { return &Node{Name: name, Mode: 0o644} }
	dir := func(name string, kids ...*Node) *Node {
		return &Node{Name: name, Mode: fs.ModeDir | 0o755, Children: kids}
	}
	sorted := dir("", dir("a", file("x"), file("y"), file("z")), file("b"), dir("c", dir("d", file("e"))))
	unsorted := dir("", file("b"), dir("c", dir("d", file("e"))), dir("a", file("z"), file("x"), file("y")))
	for _, root := range []*Node{sorted, unsorted} {
		find := NewFinder(root)
		for _, lookup := range []func(string) *Node{root.Lookup, find.Find} {
			for p, want := range map[string]string{"/a/y": "y", "/a/x": "x", "/b": "b", "/c/d/e": "e", "/c/d": "d"} {
				if n := lookup(p); n == nil || n.Name != want {
					t.Errorf("%s: got %v, want %s", p, n, want)
				}
			}
			for _, p := range []string{"/a/w", "/b/x", "/c/d/e/f", "/q"} {
				if n := lookup(p); n != nil {
					t.Errorf("%s: got %s, want nothing", p, n.Name)
				}
			}
		}
	}
}

// TestInNameOrder: children already in name order come back as they
// are, others as a sorted copy that leaves the tree's order alone.
func TestInNameOrder(t *testing.T) {
	a, b, c := &Node{Name: "a"}, &Node{Name: "b"}, &Node{Name: "c"}
	sorted := []*Node{a, b, c}
	if got := InNameOrder(sorted); &got[0] != &sorted[0] {
		t.Error("children in name order were copied")
	}
	mixed := []*Node{c, a, b}
	got := InNameOrder(mixed)
	if got[0] != a || got[1] != b || got[2] != c {
		t.Errorf("sorted: %v %v %v", got[0].Name, got[1].Name, got[2].Name)
	}
	if mixed[0] != c || mixed[1] != a {
		t.Error("the children's own order changed")
	}
}

package tree

import (
	"io/fs"
	"testing"
	"time"
)

func TestUnchanged(t *testing.T) {
	at := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	base := func() *Node {
		return &Node{Mode: fs.ModeDir | 0o755, ModTime: at, Children: []*Node{
			{Name: "f", Mode: 0o644, ModTime: at, Size: 3, Extents: []Extent{{LBA: 40, Length: 3}}},
			{Name: "l", Mode: fs.ModeSymlink | 0o777, ModTime: at, Target: "f"},
			{Name: "d", Mode: fs.ModeDir | 0o755 | fs.ModeSticky, ModTime: at, UID: 7},
			{Name: "dev", Mode: fs.ModeDevice | 0o600, ModTime: at, Rdev: 7<<8 | 9},
		}}
	}
	if !Unchanged(base(), base()) {
		t.Fatal("a tree differs from its copy")
	}
	same := base()
	same.Children[0].ModTime = at.Add(300 * time.Millisecond) // below what a session records
	same.Children[0].AccessTime = at.Add(time.Hour)
	same.Children[1], same.Children[2] = same.Children[2], same.Children[1]
	if !Unchanged(base(), same) {
		t.Error("a sub-second time, an access time or the order of children counts as a change")
	}
	for name, change := range map[string]func(n *Node){
		"mode":        func(n *Node) { n.Children[2].Mode &^= fs.ModeSticky },
		"owner":       func(n *Node) { n.Children[2].UID = 8 },
		"time":        func(n *Node) { n.Children[0].ModTime = at.Add(time.Second) },
		"new data":    func(n *Node) { n.Children[0].Source = FileSource("/x") },
		"extent":      func(n *Node) { n.Children[0].Extents[0].LBA = 41 },
		"link target": func(n *Node) { n.Children[1].Target = "g" },
		"device":      func(n *Node) { n.Children[3].Rdev = 7<<8 | 10 },
		"added":       func(n *Node) { n.Children = append(n.Children, &Node{Name: "new", Mode: 0o644, ModTime: at}) },
		"removed":     func(n *Node) { n.Children = n.Children[:3] },
		"renamed":     func(n *Node) { n.Children[0].Name = "g" },
	} {
		n := base()
		change(n)
		if Unchanged(base(), n) {
			t.Errorf("a changed %s counts as unchanged", name)
		}
	}
	if Unchanged(nil, base()) || !Unchanged(nil, nil) {
		t.Error("nil trees")
	}
}

// TestMirrorLists: what Mirror lists for nodes given again: a named pipe
// or device with its number is not replaced, one with a new number is;
// a changed mode is listed in Attrs, not as kept.
func TestMirrorLists(t *testing.T) {
	at := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	base := func() *Node {
		return &Node{Mode: fs.ModeDir | 0o755, ModTime: at, Children: []*Node{
			{Name: "f", Mode: 0o644, ModTime: at, Size: 3, Extents: []Extent{{LBA: 40, Length: 3}}},
			{Name: "g", Mode: 0o644 | fs.ModeSetuid, ModTime: at, Size: 3, Extents: []Extent{{LBA: 41, Length: 3}}},
			{Name: "p", Mode: fs.ModeNamedPipe | 0o644, ModTime: at},
			{Name: "b", Mode: fs.ModeDevice | 0o600, ModTime: at, Rdev: 7<<8 | 9},
			{Name: "c", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, ModTime: at, Rdev: 1<<8 | 3},
			{Name: "d", Mode: fs.ModeDir | 0o755, ModTime: at},
		}}
	}
	want := base()
	want.Children[1].Mode = 0o640
	want.Children[4].Rdev = 1<<8 | 5
	want.Children[5].Mode = fs.ModeDir | 0o700
	want.Children[5].ModTime = at.Add(time.Hour)
	_, ch := Mirror(base(), want)
	if len(ch.Added) != 0 || len(ch.Removed) != 0 ||
		len(ch.Replaced) != 1 || ch.Replaced[0] != "/c" ||
		len(ch.Attrs) != 2 || ch.Attrs[0] != "/d" || ch.Attrs[1] != "/g" ||
		len(ch.Kept) != 1 || ch.Kept[0] != "/f" {
		t.Errorf("Mirror lists %+v, want /c replaced, /d and /g attrs, /f kept", ch)
	}
}

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
		"added":       func(n *Node) { n.Children = append(n.Children, &Node{Name: "new", Mode: 0o644, ModTime: at}) },
		"removed":     func(n *Node) { n.Children = n.Children[:2] },
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

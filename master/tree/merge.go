package tree

import (
	"path"
	"sort"
	"time"
)

// Changes lists what a merge or mirror did, by slash-separated path from
// the root ("/a/b"). Only files and symlinks are counted, not directories.
type Changes struct {
	Added    []string // new paths
	Replaced []string // paths whose content or kind changed
	// Attrs are paths whose content (a file's data, a link's target, a
	// device's number) stays but whose recorded mode, owner or time
	// changed; a file among them reuses its old extents. A directory is
	// listed for its mode or owner, not its time (which its entries
	// move).
	Attrs   []string
	Kept    []string // files given again unchanged: their old extents are reused
	Removed []string // paths no longer in the tree (Mirror only)
}

// Sort orders every list by path.
func (c *Changes) Sort() {
	for _, l := range [][]string{c.Added, c.Replaced, c.Attrs, c.Kept, c.Removed} {
		sort.Strings(l)
	}
}

// sameFile reports whether a file given again can keep its old extents:
// both regular, same size, same modification time to the second (the
// resolution of ISO 9660 and Rock Ridge short-form times).
func sameFile(old, nu *Node) bool {
	return old.IsRegular() && nu.IsRegular() && old.Size == nu.Size &&
		(old.Size == 0 || len(old.Extents) > 0) &&
		old.ModTime.Truncate(time.Second).Equal(nu.ModTime.Truncate(time.Second))
}

// sameSpecial reports whether old and nu are the same kind of named
// pipe, socket or device node, with the same device number.
func sameSpecial(old, nu *Node) bool {
	return old.IsSpecial() && nu.IsSpecial() && old.Mode.Type() == nu.Mode.Type() && old.Rdev == nu.Rdev
}

// sameAttrs reports whether old and nu record the same mode, owner and
// modification time (to the second), as Unchanged compares them.
func sameAttrs(old, nu *Node) bool {
	return old.Mode == nu.Mode && old.UID == nu.UID && old.GID == nu.GID &&
		old.ModTime.Truncate(time.Second).Equal(nu.ModTime.Truncate(time.Second))
}

// noteSame lists p, whose content stays, as kept (a file whose extents
// are reused) or, when its attributes changed, in Attrs.
func noteSame(old, nu *Node, p string, ch *Changes) {
	switch {
	case !sameAttrs(old, nu):
		ch.Attrs = append(ch.Attrs, p)
	case nu.IsRegular():
		ch.Kept = append(ch.Kept, p)
	}
}

// noteDir lists the directory p in Attrs when its mode or owner changed.
func noteDir(old, nu *Node, p string, ch *Changes) {
	if old.Mode != nu.Mode || old.UID != nu.UID || old.GID != nu.GID {
		ch.Attrs = append(ch.Attrs, p)
	}
}

// reuse returns nu carrying old's extents instead of new data.
func reuse(old, nu *Node) *Node {
	c := *nu
	c.Source, c.Extents = nil, old.Extents
	return &c
}

// Merge returns a new tree: base with add merged in at the root.
// Directories merge recursively (taking add's attributes); any other node
// of add replaces what base has at its path. A file of add whose size and
// modification time match the file base has at the same path keeps
// base's extents and is not written again. Neither input is modified.
func Merge(base, add *Node) (*Node, Changes) {
	var ch Changes
	out := mergeDir(base, add, "/", &ch)
	ch.Sort()
	return out, ch
}

func mergeDir(base, add *Node, dir string, ch *Changes) *Node {
	out := *add
	if base == nil {
		out.Children = nil
		for _, c := range add.Children {
			out.Children = append(out.Children, addAll(c, path.Join(dir, c.Name), ch))
		}
		return &out
	}
	byName := make(map[string]*Node, len(add.Children))
	for _, c := range add.Children {
		byName[c.Name] = c
	}
	out.Children = make([]*Node, 0, len(base.Children)+len(add.Children))
	for _, old := range base.Children {
		nu, ok := byName[old.Name]
		if !ok {
			out.Children = append(out.Children, old)
			continue
		}
		delete(byName, old.Name)
		out.Children = append(out.Children, mergeNode(old, nu, path.Join(dir, old.Name), ch))
	}
	for _, c := range add.Children {
		if _, ok := byName[c.Name]; ok {
			out.Children = append(out.Children, addAll(c, path.Join(dir, c.Name), ch))
		}
	}
	return &out
}

func mergeNode(old, nu *Node, p string, ch *Changes) *Node {
	switch {
	case old.IsDir() && nu.IsDir():
		noteDir(old, nu, p, ch)
		return mergeDir(old, nu, p, ch)
	case sameFile(old, nu):
		noteSame(old, nu, p, ch)
		return reuse(old, nu)
	case old.IsSymlink() && nu.IsSymlink() && old.Target == nu.Target, sameSpecial(old, nu):
		noteSame(old, nu, p, ch)
		return nu
	case old.IsDir():
		removeAll(old, p, ch)
		return addAll(nu, p, ch)
	case nu.IsDir():
		ch.Removed = append(ch.Removed, p)
		return addAll(nu, p, ch)
	default:
		ch.Replaced = append(ch.Replaced, p)
		return nu
	}
}

// addAll records every file under n as added and returns n.
func addAll(n *Node, p string, ch *Changes) *Node {
	if !n.IsDir() {
		ch.Added = append(ch.Added, p)
		return n
	}
	for _, c := range n.Children {
		addAll(c, path.Join(p, c.Name), ch)
	}
	return n
}

func removeAll(n *Node, p string, ch *Changes) {
	if !n.IsDir() {
		ch.Removed = append(ch.Removed, p)
		return
	}
	for _, c := range n.Children {
		removeAll(c, path.Join(p, c.Name), ch)
	}
}

// Mirror returns a tree equal to want, like xorriso -update_r: what want
// lacks is removed, what it adds or changes is written, and each file
// whose size and modification time match the file base has at the same
// path keeps base's extents. base may be nil (a blank medium).
func Mirror(base, want *Node) (*Node, Changes) {
	var ch Changes
	if base != nil {
		noteDir(base, want, "/", &ch)
	}
	out := mirrorDir(base, want, "/", &ch)
	ch.Sort()
	return out, ch
}

func mirrorDir(base, want *Node, dir string, ch *Changes) *Node {
	out := *want
	out.Children = make([]*Node, 0, len(want.Children))
	var old map[string]*Node
	if base != nil {
		old = make(map[string]*Node, len(base.Children))
		for _, c := range base.Children {
			old[c.Name] = c
		}
	}
	for _, c := range want.Children {
		p := path.Join(dir, c.Name)
		o := old[c.Name]
		delete(old, c.Name)
		switch {
		case o == nil:
			out.Children = append(out.Children, addAll(c, p, ch))
		case o.IsDir() && c.IsDir():
			noteDir(o, c, p, ch)
			out.Children = append(out.Children, mirrorDir(o, c, p, ch))
		default:
			out.Children = append(out.Children, mergeNode(o, c, p, ch))
		}
	}
	if base != nil {
		for _, c := range base.Children {
			if _, gone := old[c.Name]; gone {
				removeAll(c, path.Join(dir, c.Name), ch)
			}
		}
	}
	return &out
}

// Unchanged reports whether a session of tree nu would record what base
// (a session's tree, as read) already holds: the same names, modes,
// owners and modification times (to the second, as sessions record
// them), the same symbolic link targets, and every file carried over by
// base's extents, none with new data. Access and change times are not
// compared: reading or linking a source file changes them, not what it
// holds.
func Unchanged(base, nu *Node) bool {
	if base == nil || nu == nil {
		return base == nu
	}
	if base.Name != nu.Name || base.Mode != nu.Mode || base.UID != nu.UID || base.GID != nu.GID ||
		!base.ModTime.Truncate(time.Second).Equal(nu.ModTime.Truncate(time.Second)) {
		return false
	}
	switch {
	case nu.IsDir():
		if len(base.Children) != len(nu.Children) {
			return false
		}
		old := make(map[string]*Node, len(base.Children))
		for _, c := range base.Children {
			old[c.Name] = c
		}
		for _, c := range nu.Children {
			if !Unchanged(old[c.Name], c) {
				return false
			}
		}
	case nu.IsSymlink():
		return base.Target == nu.Target
	case nu.IsSpecial():
		return sameSpecial(base, nu)
	case nu.IsRegular():
		if nu.Source != nil || base.Size != nu.Size || len(base.Extents) != len(nu.Extents) {
			return false
		}
		for i := range nu.Extents {
			if base.Extents[i] != nu.Extents[i] {
				return false
			}
		}
	}
	return true
}

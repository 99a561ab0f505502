package staging

import (
	"github.com/discstage/discstage/master/tree"
)

// diffBaseByPaths finds the changes of the status list as they were
// found before diffBase walked the two trees side by side: every path
// of the base and of the view in a map, each path of the view looked up
// in the base's. It stays as the model diffBase is checked against
// (TestDiffBaseMatchesPathMaps); both finish the list with listChanges.
func (a *Area) diffBaseByPaths(base *tree.Node) Pending {
	// The indexes are made for what they will hold, not grown (and
	// rehashed) a million times over on a disc of a million files.
	bm := make(map[string]*tree.Node, countNodes(base))
	flattenNodes(base, "", bm)
	sm := make(map[string]*entry, a.entries.len())
	var walk func(e *entry, p string)
	walk = func(e *entry, p string) {
		for name, k := range e.kids {
			kp := p + "/" + name
			sm[kp] = k
			if k.kids != nil {
				walk(k, kp)
			}
		}
	}
	walk(a.root, "")

	// Where each base file's extents were: to find renames.
	baseAt := map[tree.Extent]string{}
	for p, n := range bm {
		if !n.IsDir() && len(n.Extents) > 0 {
			baseAt[n.Extents[0]] = p
		}
	}
	var out []Change
	renamedFrom := map[string]string{} // new path -> old path, files
	for p, e := range sm {
		b := bm[p]
		if b != nil && sameEntry(b, e) {
			continue
		}
		isDir := e.kids != nil
		switch {
		case b == nil && e.data == "" && len(e.ext) > 0 && e.ext[0].LBA != tree.HoleLBA && !isDir:
			if from, ok := baseAt[e.ext[0]]; ok && sm[from] == nil {
				renamedFrom[p] = from
				continue
			}
			out = append(out, Change{Kind: ChangeAdded, Path: p, Bytes: a.attr(e).Size})
		case b == nil:
			c := Change{Kind: ChangeAdded, Path: p, Dir: isDir}
			if !isDir {
				c.Bytes = a.attr(e).Size
			}
			out = append(out, c)
		case b.IsDir() != isDir || e.data != "" || b.Target != e.x().target ||
			(!isDir && (b.Size != e.size || !sameExtents(discExtents(b), e.ext) || inlineOf(b) != e.x().inline)) ||
			b.Mode.Type() != e.mode.Type():
			c := Change{Kind: ChangeChanged, Path: p, Dir: isDir}
			if !isDir {
				c.Bytes = a.attr(e).Size
			}
			out = append(out, c)
		default:
			out = append(out, Change{Kind: ChangeAttributes, Path: p, Dir: isDir})
		}
	}
	gone := func(yield func(string, *tree.Node) bool) {
		for p, n := range bm {
			if sm[p] == nil && !yield(p, n) {
				return
			}
		}
	}
	return listChanges(out, renamedFrom, gone,
		func(p string) *tree.Node { return bm[p] }, func(p string) *entry { return sm[p] })
}

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
	bm := make(map[string]*tree.Node, countNodes(base))
	flattenNodes(base, "", bm)
	sm := a.flattenEntries()

	// Where each base file's extents were (every name of a hard-linked
	// one): to find renames.
	baseAt := map[tree.Extent][]string{}
	for p, n := range bm {
		if !n.IsDir() && len(n.Extents) > 0 {
			baseAt[n.Extents[0]] = append(baseAt[n.Extents[0]], p)
		}
	}
	d := baseDiff{a: a}
	for p, e := range sm {
		d.compare(p, bm[p], e)
	}
	out, mv := d.out, moves{}
	for _, f := range d.maybeMoved {
		var gone []string
		for _, p := range baseAt[f.e.ext[0]] {
			if sm[p] == nil {
				gone = append(gone, p)
			}
		}
		from, ok := movedFrom(gone, f.path)
		mv.note(a, f, from, ok)
		if !ok {
			out = append(out, Change{Kind: ChangeAdded, Path: f.path, Bytes: a.attr(f.e).Size, e: f.e})
		}
	}
	var gone []gonePath
	for p, n := range bm {
		if sm[p] == nil {
			gone = append(gone, gonePath{p, n})
		}
	}
	d.gone = gone
	out = append(out, d.timesSet(out, mv)...)
	return listChanges(out, mv, gone,
		func(p string) *tree.Node { return bm[p] }, func(p string) *entry { return sm[p] })
}

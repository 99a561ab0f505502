package staging

import (
	"sort"
	"strings"

	"github.com/discstage/discstage/master/tree"
)

// diffBaseByPaths is the status list as it was made before diffBase
// walked the two trees side by side: every path of the base and of the
// view in a map. It stays as the model diffBase is checked against
// (TestDiffBaseMatchesPathMaps).
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
	// A directory that is new here, whose files came from one old
	// directory at the same relative paths, was renamed from it.
	dirFrom := map[string]string{} // new directory -> old directory
	for to, from := range renamedFrom {
		for dt, df := parentPath(to), parentPath(from); dt != "" && df != "" && dt != df; dt, df = parentPath(dt), parentPath(df) {
			if bm[dt] != nil || sm[df] != nil || bm[df] == nil || !bm[df].IsDir() ||
				strings.TrimPrefix(to, dt) != strings.TrimPrefix(from, df) {
				break
			}
			dirFrom[dt] = df
		}
	}
	oldDir := map[string]string{} // old directory -> new directory
	for dt, df := range dirFrom {
		oldDir[df] = dt
	}
	// outer finds the outermost renamed directory at or above p in m,
	// and returns p's path on the other side of the rename.
	outer := func(p string, m map[string]string) (string, bool) {
		other, found := "", false
		for q := p; q != ""; q = parentPath(q) {
			if o, ok := m[q]; ok {
				other, found = o+strings.TrimPrefix(p, q), true
			}
		}
		return other, found
	}
	for dt, df := range dirFrom {
		if _, ok := outer(parentPath(dt), dirFrom); !ok {
			out = append(out, Change{Kind: ChangeRenamed, Path: dt, From: df, Dir: true})
		}
	}
	// What moved with a renamed directory is not listed again; what
	// changed after the move is.
	kept := out[:0]
	for _, c := range out {
		if c.Kind == ChangeAdded {
			if old, ok := outer(c.Path, dirFrom); ok && bm[old] != nil && bm[old].IsDir() == c.Dir && (c.Dir || sameEntry(bm[old], sm[c.Path])) {
				continue
			}
		}
		kept = append(kept, c)
	}
	out = kept
	for to, from := range renamedFrom {
		if old, ok := outer(to, dirFrom); ok && old == from {
			continue
		}
		out = append(out, Change{Kind: ChangeRenamed, Path: to, From: from})
	}
	// Deletions: base paths gone that were not renamed away, and not
	// below a deleted directory (the directory says it).
	moved := map[string]bool{}
	for _, from := range renamedFrom {
		moved[from] = true
	}
	for p, n := range bm {
		if sm[p] != nil || moved[p] {
			continue
		}
		if nu, ok := outer(p, oldDir); ok {
			if sm[nu] != nil {
				continue // moved with its directory
			}
			if q := parentPath(nu); q != "" && sm[q] == nil {
				continue // below a directory deleted after the move
			}
		} else if q := parentPath(p); q != "" && sm[q] == nil {
			continue // below a deleted directory
		}
		out = append(out, Change{Kind: ChangeDeleted, Path: p, Dir: n.IsDir()})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Kind < out[j].Kind
	})
	p := Pending{Changes: out}
	for _, c := range out {
		switch c.Kind {
		case ChangeAdded:
			p.Counts.Added++
		case ChangeChanged:
			p.Counts.Changed++
		case ChangeDeleted:
			p.Counts.Deleted++
		case ChangeRenamed:
			p.Counts.Renamed++
		case ChangeAttributes:
			p.Counts.Attributes++
		}
	}
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	return p
}

package burn

import (
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
	"github.com/discstage/discstage/writer"
)

// DefaultUDF is the UDF revision of every session unless asked
// otherwise: 2.01, which Windows XP and later, macOS, Linux and most
// players read.
const DefaultUDF = udf.Rev201

// udfRevision is the revision opts ask for, 0 for none.
func (opts AppendOptions) udfRevision() uint16 {
	switch {
	case opts.NoUDF:
		return 0
	case opts.UDF == 0:
		return DefaultUDF
	}
	return opts.UDF
}

// udfOptions sets the UDF side of a session at m's next writable
// address: the revision, whether it is grown media (the anchor at 256,
// see master.Options.UDFGrown), and, when the newest session has a UDF
// volume of the same kind, its file entries for unchanged files
// (master.Options.UDFEntries), so that a session does not record a
// block per unchanged file again.
func udfOptions(o *master.Options, t writer.Target, m writer.Medium, opts AppendOptions) {
	o.UDF = opts.udfRevision()
	if o.UDF == 0 {
		return
	}
	o.UDFGrown = m.Grown && (len(m.Sessions) == 0 || m.Sessions[0].Start >= writer.FirstGrownSession)
	if o.UDFGrown && len(m.Sessions) > 0 {
		o.UDFGrownReserve, _ = udf.GrownReserve(t)
	}
	if len(m.Sessions) == 0 || o.UDF >= udf.Rev250 {
		return
	}
	last := m.Sessions[len(m.Sessions)-1]
	v, err := udf.Open(t, m.Readable, last.Start)
	if err != nil || v.Anchor != last.Start+256 {
		return // no UDF volume of its own: nothing to reuse
	}
	ps, ok := v.PartitionStart()
	if !ok {
		return
	}
	root, err := v.Tree()
	if err != nil {
		return
	}
	entries, empties := reusableEntries(v, root)
	if len(entries) == 0 && !empties {
		return
	}
	o.UDFPartitionStart = &ps
	o.UDFNextUniqueID = v.NextUniqueID()
	find := tree.NewFinder(root)
	o.UDFEntries = func(n *tree.Node, path udf.Path) (udf.EntryRef, bool) {
		if !n.IsRegular() || n.Source != nil || n.Link != 0 {
			return udf.EntryRef{}, false
		}
		var c udfEntry
		ok := false
		if len(n.Extents) > 0 {
			c, ok = entries[n.Extents[0].LBA]
		} else if n.Size == 0 {
			// An empty file has no data to know it by: the one at
			// the same path, alike in every attribute its entry
			// records, is the same to every reader.
			if old := find.Find(path.String()); old != nil && emptyFile(old) {
				c, ok = reusable(v, old)
			}
		}
		if !ok || c.n.Size != n.Size || c.n.Mode != n.Mode || c.n.UID != n.UID || c.n.GID != n.GID ||
			c.n.ModTime.Unix() != n.ModTime.Unix() || !sameExtents(c.n.Extents, n.Extents) {
			return udf.EntryRef{}, false
		}
		if c.ref.LBA < ps {
			return udf.EntryRef{}, false
		}
		return c.ref, true
	}
}

type udfEntry struct {
	n   *tree.Node
	ref udf.EntryRef
}

// reusableEntries maps the first data sector of each regular file of a
// UDF tree with one name to its node and entry, when the entry records
// what a new one would (reusable). Empty files have no data sector: a
// new one is looked up by its path in the tree, and checked, when the
// plan asks (a disc of a million empty files is neither indexed nor
// checked twice); empties tells whether the tree holds any.
func reusableEntries(v *udf.Volume, root *tree.Node) (out map[uint32]udfEntry, empties bool) {
	out = map[uint32]udfEntry{}
	var walk func(n *tree.Node)
	walk = func(n *tree.Node) {
		for _, c := range n.Children {
			switch {
			case c.IsDir():
				walk(c)
			case emptyFile(c):
				empties = true
			case c.IsRegular() && c.Link == 0 && len(c.Extents) > 0:
				if e, ok := reusable(v, c); ok {
					out[c.Extents[0].LBA] = e
				}
			}
		}
	}
	walk(root)
	return out, empties
}

// emptyFile tells whether n is a file of one name without data, whose
// entry a new session could reuse only by its path.
func emptyFile(n *tree.Node) bool {
	return n.IsRegular() && n.Link == 0 && n.Size == 0 && n.Source == nil && len(n.Extents) == 0
}

// reusable returns the entry of file c of the tree v read, when a new
// session may point at it. An entry that records no owner or group
// (which the tree reads as 0) or another link count than its one name
// would disagree with the Rock Ridge tree the session records beside it
// (master.Verify compares them): it is written again.
func reusable(v *udf.Volume, c *tree.Node) (udfEntry, bool) {
	ref, ok := v.Entry(c)
	f, _ := v.Facts(c)
	if !ok || f.UID != c.UID || f.GID != c.GID || f.Links != 1 {
		return udfEntry{}, false
	}
	return udfEntry{c, ref}, true
}

// sameExtents says whether two extent lists cover the same sectors (ISO
// 9660 cuts files at 4 GiB, UDF below 1 GiB: contiguous runs are
// compared).
func sameExtents(a, b []tree.Extent) bool {
	if len(a) == 1 && len(b) == 1 {
		return a[0] == b[0] // most files: nothing to merge
	}
	return slicesEqual(runs(a), runs(b))
}

func runs(e []tree.Extent) []tree.Extent {
	var out []tree.Extent
	for _, x := range e {
		if k := len(out) - 1; k >= 0 && out[k].Length%tree.SectorSize == 0 &&
			uint64(out[k].LBA)+uint64(out[k].Length/tree.SectorSize) == uint64(x.LBA) && uint64(out[k].Length)+uint64(x.Length) < 1<<32 {
			out[k].Length += x.Length
			continue
		}
		out = append(out, tree.Extent{LBA: x.LBA, Length: x.Length})
	}
	return out
}

func slicesEqual(a, b []tree.Extent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].LBA != b[i].LBA || a[i].Length != b[i].Length {
			return false
		}
	}
	return true
}

package burn

import (
	"path"
	"slices"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// newestSession reads the newest session of m, or returns nil for a
// blank medium or a session that cannot be read (which fails elsewhere).
func newestSession(t writer.Target, m writer.Medium) *master.Session {
	if len(m.Sessions) == 0 {
		return nil
	}
	s, err := master.ReadSession(t, m.Readable, m.Sessions[len(m.Sessions)-1].Start)
	if err != nil {
		return nil
	}
	return s
}

// knownMD5s sets the MD5 of files of root that are carried over (Extents)
// without one, from the checksum array of s, the newest session, where a
// file of s has the same extents: so that files a caller rebuilt from
// its own records (the staging area keeps extents, not checksums) are
// not read again to be checksummed. Files it cannot match are read once
// by the mastering (master.Options.Medium). Without s root stays as it
// is.
func knownMD5s(s *master.Session, root *tree.Node) {
	if s == nil || s.Checksums == nil {
		return
	}
	known := map[tree.Extent]*tree.Node{}
	var index func(n *tree.Node)
	index = func(n *tree.Node) {
		for _, c := range n.Children {
			switch {
			case c.IsDir():
				index(c)
			case c.HasMD5 && len(c.Extents) > 0:
				known[c.Extents[0]] = c
			}
		}
	}
	index(s.Root)
	var fill func(n *tree.Node)
	fill = func(n *tree.Node) {
		for _, c := range n.Children {
			switch {
			case c.IsDir():
				fill(c)
			case c.IsRegular() && c.Source == nil && !c.HasMD5 && len(c.Extents) > 0:
				if k := known[c.Extents[0]]; k != nil && k.Size == c.Size && slices.Equal(k.Extents, c.Extents) {
					c.MD5, c.HasMD5 = k.MD5, true
				}
			}
		}
	}
	fill(root)
}

// droppedAttrs warns of the entries of root that carry over an entry of
// s, the newest session, for which s records an ACL or extended
// attributes (tree.Node.OtherAttrs): no session discstage writes holds
// them. A file is known by its data, so that one renamed is found too;
// other entries by their path.
func droppedAttrs(s *master.Session, root *tree.Node) []master.Warning {
	if s == nil {
		return nil
	}
	files, others := map[uint32]bool{}, map[string]bool{}
	var index func(n *tree.Node, p string)
	index = func(n *tree.Node, p string) {
		if n.OtherAttrs {
			if x, ok := tree.FirstData(n.Extents); ok && n.IsRegular() {
				files[x.LBA] = true
			} else {
				others[p] = true
			}
		}
		for _, c := range n.Children {
			index(c, path.Join(p, c.Name))
		}
	}
	index(s.Root, "/")
	if len(files) == 0 && len(others) == 0 {
		return nil
	}
	var ws []master.Warning
	var find func(n *tree.Node, p string)
	find = func(n *tree.Node, p string) {
		carried := others[p]
		if x, ok := tree.FirstData(n.Extents); ok && n.IsRegular() && n.Source == nil {
			carried = carried || files[x.LBA]
		}
		if carried {
			ws = append(ws, master.Warning{Path: p, Hierarchy: HierarchyAttributes,
				Reason: "the ACL or extended attributes an earlier session records for it (AAIP, as xorriso writes them) are not carried into this session"})
		}
		for _, c := range n.Children {
			find(c, path.Join(p, c.Name))
		}
	}
	find(root, "/")
	return ws
}

// HierarchyAttributes is the Hierarchy of a Warning about attributes an
// earlier session records that the new one does not carry.
const HierarchyAttributes = "attributes"

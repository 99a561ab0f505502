package burn

import (
	"slices"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// knownMD5s sets the MD5 of files of root that are carried over (Extents)
// without one, from the newest session's checksum array, where a file of
// that session has the same extents: so that files a caller rebuilt from
// its own records (the staging area keeps extents, not checksums) are
// not read again to be checksummed. Files it cannot match are read once
// by the mastering (master.Options.Medium). A newest session that cannot
// be read leaves root as it is.
func knownMD5s(t writer.Target, m writer.Medium, root *tree.Node) {
	if len(m.Sessions) == 0 {
		return
	}
	s, err := master.ReadSession(t, m.Readable, m.Sessions[len(m.Sessions)-1].Start)
	if err != nil || s.Checksums == nil {
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

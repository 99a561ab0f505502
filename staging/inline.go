package staging

import (
	"io"

	"github.com/discstage/discstage/master/tree"
)

// Disc files whose data lies in no extent
//
// A UDF file entry may hold a small file's data itself (Windows' Live
// File System and mkudffs record small files so); the reader gives such
// a file a tree.Bytes Source and no Extents. The area keeps those bytes
// with the entry (entry.inline, recorded in the journal with it), serves
// reads and copy-ups from them, and hands them to the next session as a
// tree.Bytes Source: having no extent to reference, the session writes
// them as new file data. The commit lists such files with its staged
// ones (commitFile with no data file), so that finish switches them to
// the extents the new session gave them, as it does staged files.
//
// Disc files with holes
//
// A UDF file may leave parts of its data unrecorded (extents allocated
// and not recorded, or not allocated: a sparse file the kernel's udf
// driver wrote); the reader gives it a tree.Sparse Source. The area
// keeps its extents with the holes at tree.HoleLBA and reads the holes
// as zeros. No session may reference a hole, and a commit may not read
// the medium while it writes it (a drive records then), so a commit
// first copies such files up into data files (stageSparse), as a write
// through the mount would: the session writes their bytes anew, holes as
// zeros, and they count as replaced.

// inlineOf returns the bytes a node read from the medium holds itself,
// "" when its data is in extents (or it has none).
func inlineOf(n *tree.Node) string {
	if b, ok := n.Source.(tree.Bytes); ok && n.IsRegular() {
		return string(b)
	}
	return ""
}

// discExtents returns the extents an entry keeps for a node read from
// the medium: its Extents, or for a file with holes (a tree.Sparse
// Source) its data's extents with the holes at tree.HoleLBA.
func discExtents(n *tree.Node) []tree.Extent {
	if s, ok := n.Source.(tree.Sparse); ok && n.IsRegular() {
		return s.Extents
	}
	return n.Extents
}

// discReader reads a disc file's bytes: from the entry's inline data,
// or from its extents on the medium, holes as zeros, zisofs data
// uncompressed, keeping the block it uncompressed last
// (tree.NewExtentReader): one is kept for a file's reads.
func discReader(m io.ReaderAt, ext []tree.Extent, inline string, size int64) io.ReaderAt {
	if inline != "" {
		return io.NewSectionReader(tree.Bytes(inline), 0, size)
	}
	return tree.NewExtentReader(m, ext, size)
}

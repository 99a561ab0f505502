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

// inlineOf returns the bytes a node read from the medium holds itself,
// "" when its data is in extents (or it has none).
func inlineOf(n *tree.Node) string {
	if b, ok := n.Source.(tree.Bytes); ok && n.IsRegular() {
		return string(b)
	}
	return ""
}

// discReader reads a disc file's bytes: from the entry's inline data,
// or from its extents on the medium.
func discReader(m io.ReaderAt, ext []tree.Extent, inline string, size int64) io.ReaderAt {
	if inline != "" {
		return io.NewSectionReader(tree.Bytes(inline), 0, size)
	}
	return &extentReader{m: m, ext: ext, size: size}
}

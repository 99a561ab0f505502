// Package tree is the model every layer of discstage shares for the
// content of a session: a tree of Nodes whose regular files carry either
// new data (a Source) or Extents already recorded on the medium, and
// the SessionInfo that names a session on a medium.
//
// It holds no format code. Staging builds trees from its overlay, the
// formats in master write trees as sessions and read sessions back as
// trees, and the writers place them on targets; each imports this
// package without pulling in the others.
//
// Merge and Mirror derive the tree of the next session from the newest
// one on the medium: Merge adds a tree over it (append), Mirror makes it
// equal to a wanted tree (commit of a staged view). Both keep the Nodes
// of files that did not change, so their extents are referenced again
// and not rewritten, and they report what changed.
//
// FS serves a tree read from a medium as an io/fs.FS whose files read
// their Extents from the medium: the one view of a session the ISO 9660
// reader (master.Session.FS) and the UDF reader (udf.Volume.FS) give,
// which the CLI's ls and extract and the mount's old sessions read.
package tree

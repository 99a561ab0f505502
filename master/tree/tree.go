package tree

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/discstage/discstage/platform"
)

// SectorSize is the size of a logical block on every medium discstage
// handles: 2048 bytes.
const SectorSize = 2048

// Extent is a run of sectors on the medium holding part of a file's data.
// LBA is absolute (counted from the start of the medium, not of a session);
// Length is in bytes and is always below 4 GiB. A file of N bytes may be
// spread over several extents; the extents are in file order.
type Extent struct {
	LBA    uint32
	Length uint32
}

// Source supplies the bytes of a file that is new in a session. Open is
// called once, while the session streams; the reader must yield exactly
// the node's Size bytes.
type Source interface {
	Open() (io.ReadCloser, error)
}

// FileSource is a Source backed by a path on the local file system: a
// file of the caller's, which other programs may change while a session
// reads it. Open opens it as a regular file without waiting
// (platform.OpenRegular: a named pipe put in its place is refused, not
// waited on), and a session checks that it was not written to while it
// was read.
type FileSource string

// Open opens the file.
func (p FileSource) Open() (io.ReadCloser, error) { return platform.OpenRegular(string(p)) }

// OpenStamped opens the file as Open does and returns its stamp as
// opened, by which a session tells it was written to since.
func (p FileSource) OpenStamped() (*os.File, platform.Stamp, error) {
	return platform.OpenStamped(string(p))
}

// DataFile is a Source backed by a file that only the caller writes, and
// not while a session reads it: a staging area's data file, frozen for
// its commit (times set on it meanwhile are kept for the next session,
// not a change to its bytes). Open opens it as it is.
type DataFile string

// Open opens the file.
func (p DataFile) Open() (io.ReadCloser, error) { return os.Open(string(p)) }

// ReaderAtSource is a Source over an io.ReaderAt of a known size.
type ReaderAtSource struct {
	R    io.ReaderAt
	Size int64
}

// Open returns a reader over the whole range.
func (s ReaderAtSource) Open() (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(s.R, 0, s.Size)), nil
}

// Bytes is a Source that holds a file's data itself: the data a UDF file
// entry embeds (at most a block, see package udf), which lies in no
// extent a later session could reference. Unlike other Sources it
// stays valid as long as the tree: the staging area keeps it with a
// disc file, serves reads from it, and hands it to the next session,
// which writes it as new file data.
type Bytes []byte

// Open returns a reader over the bytes.
func (b Bytes) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }

// ReadAt reads the bytes at off.
func (b Bytes) ReadAt(p []byte, off int64) (int, error) { return bytes.NewReader(b).ReadAt(p, off) }

// Node is one entry of a session's tree: a directory, a regular file, a
// symbolic link or a special file (device node, named pipe, socket).
// The writer takes a tree of Nodes; the reader returns one.
//
// A regular file's data is either Source (new bytes to write) or Extents
// (data already on the medium, referenced and not written again). A file
// with Size 0 has neither. A file read from a medium whose data is in
// no extent (UDF data embedded in its file entry) has a Bytes Source:
// the next session writes it anew.
//
// Hard links are Nodes with the same nonzero Link: they are names of
// one file. The writer writes its data once and gives every name the
// same extents, PX serial number and a link count of the number of
// names; attributes and data are taken from the first name in sorted
// tree order. The reader sets Link on the names of a file recorded so.
type Node struct {
	Name string      // one path element; empty for the root
	Mode fs.FileMode // type bits (fs.ModeDir, fs.ModeSymlink, 0 for files) and permissions
	UID  uint32
	GID  uint32

	ModTime    time.Time
	AccessTime time.Time // zero: same as ModTime
	ChangeTime time.Time // zero: same as ModTime

	Size    int64    // regular files: the data length in bytes
	Source  Source   // regular files: new data
	Extents []Extent // regular files: existing data on the medium

	Target string // symbolic links: the link target

	// Rdev is a device node's number as a Linux dev_t (glibc's
	// encoding of major and minor), the value libisofs records in PN.
	Rdev uint64

	// Link is nonzero for a file with several names in the tree (hard
	// links): every name carries the same Link. Directories have none.
	Link uint64

	// MD5 is the MD5 of a regular file's data when HasMD5 is set. The
	// reader sets it from the session's checksum array (libisofs
	// format); the writer records it again for a file carried over by
	// Extents instead of reading the old data.
	MD5    [16]byte
	HasMD5 bool

	// OtherAttrs says that the session the node was read from records
	// an ACL or extended attributes for it (AAIP, as xorriso writes
	// them with -acl on or -xattr on), which no later session carries.
	OtherAttrs bool

	Children []*Node // directories: entries in any order
}

// IsDir reports whether n is a directory.
func (n *Node) IsDir() bool { return n.Mode&fs.ModeDir != 0 }

// IsSymlink reports whether n is a symbolic link.
func (n *Node) IsSymlink() bool { return n.Mode&fs.ModeSymlink != 0 }

// IsSpecial reports whether n is a device node, a named pipe or a
// socket: a file that only Rock Ridge can record.
func (n *Node) IsSpecial() bool {
	return n.Mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0
}

// IsRegular reports whether n is a regular file.
func (n *Node) IsRegular() bool { return n.Mode.IsRegular() }

// Child returns the child of directory n with the given name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Lookup returns the node at the slash-separated path p below n ("/a/b";
// empty elements are skipped), or nil, as a Finder used once finds it.
// For many paths, keep one Finder: it indexes each directory whose
// children are not in name order once.
func (n *Node) Lookup(p string) *Node { return NewFinder(n).Find(p) }

// Finder looks nodes up by path below a root, as Lookup does, for many
// paths: each directory it passes is checked once for sorted children,
// and one whose children are not sorted (a tree built in memory) gets an
// index of their names, so that looking up every file of a folder of n
// files costs n log n, not n².
type Finder struct {
	root  *Node
	index map[*Node]map[string]*Node // per directory passed; nil: sorted
}

// NewFinder returns a Finder over the tree below root.
func NewFinder(root *Node) *Finder {
	return &Finder{root: root, index: map[*Node]map[string]*Node{}}
}

// Find returns the node at the slash-separated path p ("/a/b"; empty
// elements are skipped), or nil.
func (f *Finder) Find(p string) *Node {
	n := f.root
	for name := range strings.SplitSeq(p, "/") {
		if name == "" {
			continue
		}
		if n == nil || !n.IsDir() {
			return nil
		}
		n = f.Child(n, name)
	}
	return n
}

// Child returns the child of directory dir named name, or nil: by binary
// search when dir's children are in name order, else through an index
// of their names made the first time dir is asked (the first child of
// a name, as Node.Child finds it).
func (f *Finder) Child(dir *Node, name string) *Node {
	idx, seen := f.index[dir]
	if !seen {
		if !slices.IsSortedFunc(dir.Children, ByName) {
			idx = make(map[string]*Node, len(dir.Children))
			for _, c := range dir.Children {
				if _, dup := idx[c.Name]; !dup {
					idx[c.Name] = c
				}
			}
		}
		f.index[dir] = idx
	}
	if idx != nil {
		return idx[name]
	}
	return sortedChild(dir, name)
}

// ByName orders nodes by name, byte by byte: the order a tree read from
// a medium has its children in.
func ByName(a, b *Node) int { return strings.Compare(a.Name, b.Name) }

// InNameOrder returns children in name order: children itself when they
// are (a tree read from a medium, or made by the staging area), else a
// sorted copy.
func InNameOrder(children []*Node) []*Node {
	if slices.IsSortedFunc(children, ByName) {
		return children
	}
	sorted := slices.Clone(children)
	slices.SortFunc(sorted, ByName)
	return sorted
}

// SessionInfo describes one session of a medium.
type SessionInfo struct {
	Number   int       // 1 for the first session
	Start    uint32    // LBA of the session start
	Size     uint32    // sectors, as its PVD's Volume Space Size records
	VolumeID string    // the PVD volume identifier
	Time     time.Time // PVD creation (or modification) time
	// Incomplete: the session's tracks hold less than its descriptors
	// claim, or no descriptors at all (a burn interrupted, then closed).
	// Media with a table of contents list it; it cannot be read.
	Incomplete bool
}

package tree

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// FS returns the tree under root as an io/fs.FS that also implements
// fs.ReadDirFS, fs.StatFS and fs.ReadLinkFS: the view both readers of
// package master (the ISO 9660 session reader and the UDF volume
// reader) give of a tree they read. Every directory's Children must be
// sorted by name, as both readers return them; ReadDir lists them in
// that order and lookups search them.
//
// Files implement io.ReaderAt and io.Seeker. A regular file reads its
// bytes from its Extents on medium (sector LBA at byte offset
// LBA*SectorSize), or from its Source when that is a Bytes (data a UDF
// file entry embeds), a Sparse (data with holes, read as zeros) or a
// ReaderAtSource; the readers hand out the first two. Stat reports the Node's Mode and ModTime;
// Size is the data length of a regular file, the target's length for a
// symbolic link and 0 otherwise; FileInfo.Sys() returns the *Node.
//
// Open and Stat follow symbolic links whose targets lie inside the tree
// (an absolute target is taken relative to root, and ".." stops at the
// root). A link that resolves to nothing in the tree (a dangling link,
// a loop, a target on the host) opens as the link itself: its Stat
// shows fs.ModeSymlink and reading it gives no bytes, so that every
// entry ReadDir lists can be opened. Lstat and ReadLink do not follow
// the last element. A path through a file that is not a directory is an
// error that is not fs.ErrNotExist. A nil root has no entries, not even
// ".". The tree must not be changed while the FS is in use.
func FS(root *Node, medium io.ReaderAt) fs.FS { return &treeFS{root: root, medium: medium} }

// treeFS is the fs.FS view of a tree.
type treeFS struct {
	root   *Node
	medium io.ReaderAt
}

var (
	_ fs.ReadDirFS   = (*treeFS)(nil)
	_ fs.StatFS      = (*treeFS)(nil)
	_ fs.ReadLinkFS  = (*treeFS)(nil)
	_ io.ReaderAt    = (*fsFile)(nil)
	_ io.Seeker      = (*fsFile)(nil)
	_ fs.ReadDirFile = (*fsDir)(nil)
)

// maxSymlinkHops bounds symbolic link resolution.
const maxSymlinkHops = 40

// errIsDir is returned by Read on a directory.
var errIsDir = errors.New("is a directory")

// errNotDir is returned when a path element is not a directory.
var errNotDir = errors.New("not a directory")

// sortedChild finds the child named name of dir, whose Children are
// sorted by name.
func sortedChild(dir *Node, name string) *Node {
	i, ok := slices.BinarySearchFunc(dir.Children, name, func(n *Node, name string) int { return strings.Compare(n.Name, name) })
	if !ok {
		return nil
	}
	return dir.Children[i]
}

// resolve finds the node at name, following symbolic links in inner
// elements and, when followLast is set, in the last one. The stack of
// directories walked makes ".." in a link target go back to the
// directory the walk came from.
func (f *treeFS) resolve(op, name string, followLast bool) (*Node, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if f.root == nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	stack := []*Node{f.root}
	var rest []string
	if name != "." {
		rest = strings.Split(name, "/")
	}
	hops := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		cur := stack[len(stack)-1]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if !cur.IsDir() {
			return nil, &fs.PathError{Op: op, Path: name, Err: errNotDir}
		}
		child := sortedChild(cur, c)
		if child == nil {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		if child.IsSymlink() && (len(rest) > 0 || followLast) {
			hops++
			if hops > maxSymlinkHops {
				return nil, &fs.PathError{Op: op, Path: name, Err: errors.New("too many levels of symbolic links")}
			}
			if strings.HasPrefix(child.Target, "/") {
				stack = stack[:1]
			}
			rest = append(strings.Split(child.Target, "/"), rest...)
			continue
		}
		stack = append(stack, child)
	}
	return stack[len(stack)-1], nil
}

// follow resolves name following symbolic links; a final link that does
// not resolve stands for itself.
func (f *treeFS) follow(op, name string) (*Node, error) {
	n, err := f.resolve(op, name, false)
	if err != nil || !n.IsSymlink() {
		return n, err
	}
	if t, err := f.resolve(op, name, true); err == nil {
		return t, nil
	}
	return n, nil
}

// Open opens the named file or directory, following symbolic links.
func (f *treeFS) Open(name string) (fs.File, error) {
	n, err := f.follow("open", name)
	if err != nil {
		return nil, err
	}
	base := path.Base(name)
	if n.IsDir() {
		return &fsDir{fsOpen: fsOpen{node: n, name: base}}, nil
	}
	file := &fsFile{fsOpen: fsOpen{node: n, name: base}, medium: f.medium}
	if s, ok := n.Source.(Sparse); ok {
		// One reader for the file's reads: it keeps the zisofs block
		// it uncompressed last.
		file.sparse = s.Reader()
	}
	return file, nil
}

// Stat describes the named file, following symbolic links.
func (f *treeFS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.follow("stat", name)
	if err != nil {
		return nil, err
	}
	return fsInfo{n, path.Base(name)}, nil
}

// Lstat describes the named file without following a final symbolic link.
func (f *treeFS) Lstat(name string) (fs.FileInfo, error) {
	n, err := f.resolve("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return fsInfo{n, path.Base(name)}, nil
}

// ReadLink returns the target of the named symbolic link.
func (f *treeFS) ReadLink(name string) (string, error) {
	n, err := f.resolve("readlink", name, false)
	if err != nil {
		return "", err
	}
	if !n.IsSymlink() {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return n.Target, nil
}

// ReadDir lists the named directory, sorted by name.
func (f *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := f.follow("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	return dirEntries(n.Children), nil
}

// dirEntries lists nodes as directory entries.
func dirEntries(nodes []*Node) []fs.DirEntry {
	out := make([]fs.DirEntry, len(nodes))
	for i, c := range nodes {
		out[i] = fsInfo{c, c.Name}
	}
	return out
}

// fsInfo is both the fs.FileInfo and the fs.DirEntry of a Node.
type fsInfo struct {
	n    *Node
	name string
}

func (i fsInfo) Name() string { return i.name }

// Size is the data length of a regular file and the target length of a
// symbolic link.
func (i fsInfo) Size() int64 {
	switch {
	case i.n.IsRegular():
		return i.n.Size
	case i.n.IsSymlink():
		return int64(len(i.n.Target))
	}
	return 0
}
func (i fsInfo) Mode() fs.FileMode          { return i.n.Mode }
func (i fsInfo) ModTime() time.Time         { return i.n.ModTime }
func (i fsInfo) IsDir() bool                { return i.n.IsDir() }
func (i fsInfo) Sys() any                   { return i.n }
func (i fsInfo) Type() fs.FileMode          { return i.n.Mode.Type() }
func (i fsInfo) Info() (fs.FileInfo, error) { return i, nil }
func (i fsInfo) String() string             { return fs.FormatFileInfo(i) }

// fsOpen is what an open file and an open directory share: the node,
// the name it was opened by, and whether it is closed.
type fsOpen struct {
	node   *Node
	name   string
	closed bool
}

func (o *fsOpen) Stat() (fs.FileInfo, error) {
	if o.closed {
		return nil, &fs.PathError{Op: "stat", Path: o.name, Err: fs.ErrClosed}
	}
	return fsInfo{o.node, o.name}, nil
}

func (o *fsOpen) Close() error {
	if o.closed {
		return &fs.PathError{Op: "close", Path: o.name, Err: fs.ErrClosed}
	}
	o.closed = true
	return nil
}

// fsFile is an open file other than a directory.
type fsFile struct {
	fsOpen
	medium io.ReaderAt
	sparse ExtentReader // the reader of a Sparse Source
	off    int64
}

// size is the number of readable bytes: regular files only.
func (f *fsFile) size() int64 {
	if f.node.IsRegular() {
		return f.node.Size
	}
	return 0
}

// ReadAt reads from the file's extents on the medium, or from its
// Source when that is one FS reads (Bytes, Sparse, ReaderAtSource).
func (f *fsFile) ReadAt(p []byte, off int64) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrInvalid}
	}
	size := f.size()
	var src io.ReaderAt
	switch s := f.node.Source.(type) {
	case Bytes:
		src, size = s, min(size, int64(len(s)))
	case Sparse:
		src, size = f.sparse, min(size, s.Size)
	case ReaderAtSource:
		src, size = s.R, min(size, s.Size)
	}
	if src != nil {
		n, err := io.NewSectionReader(src, 0, size).ReadAt(p, off)
		if err != nil && err != io.EOF {
			err = &fs.PathError{Op: "read", Path: f.name, Err: err}
		}
		return n, err
	}
	n := 0
	base := int64(0)
	for _, e := range f.node.Extents {
		if n == len(p) || off >= size {
			break
		}
		end := base + int64(e.Length)
		if off < end {
			want := min(int64(len(p)-n), end-off)
			m, err := f.medium.ReadAt(p[n:n+int(want)], int64(e.LBA)*SectorSize+(off-base))
			n += m
			off += int64(m)
			if err != nil && !(errors.Is(err, io.EOF) && int64(m) == want) {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return n, &fs.PathError{Op: "read", Path: f.name, Err: err}
			}
		}
		base = end
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *fsFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if f.off >= f.size() {
		return 0, io.EOF
	}
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *fsFile) Seek(offset int64, whence int) (int64, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrClosed}
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.size()
	default:
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	f.off = offset
	return offset, nil
}

// fsDir is an open directory.
type fsDir struct {
	fsOpen
	pos int
}

func (d *fsDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errIsDir}
}

// ReadDir returns the next entries, sorted by name.
func (d *fsDir) ReadDir(count int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "readdir", Path: d.name, Err: fs.ErrClosed}
	}
	left := d.node.Children[d.pos:]
	if count > 0 {
		if len(left) == 0 {
			return nil, io.EOF
		}
		left = left[:min(count, len(left))]
	}
	d.pos += len(left)
	return dirEntries(left), nil
}

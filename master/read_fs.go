package master

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// FS returns the session as an io/fs.FS that also implements
// fs.ReadDirFS, fs.StatFS and fs.ReadLinkFS. Files read their bytes from
// the medium and implement io.ReaderAt and io.Seeker. Stat reports Rock
// Ridge modes and times; FileInfo.Sys() returns the *Node.
//
// Open and Stat follow symbolic links whose targets lie inside the
// session (an absolute target is taken relative to the session root, and
// ".." stops at the root). A link that resolves to nothing in the session
// (a dangling link, a loop, a target on the host) opens as the link
// itself: its Stat shows fs.ModeSymlink and reading it gives no bytes, so
// that every entry ReadDir lists can be opened. Lstat and ReadLink do not
// follow the last element. The tree must not be changed while the FS is
// in use.
func (s *Session) FS() fs.FS { return &rFS{s: s} }

// rFS is the fs.FS view of a Session.
type rFS struct{ s *Session }

var (
	_ fs.ReadDirFS   = (*rFS)(nil)
	_ fs.StatFS      = (*rFS)(nil)
	_ fs.ReadLinkFS  = (*rFS)(nil)
	_ io.ReaderAt    = (*rFile)(nil)
	_ io.Seeker      = (*rFile)(nil)
	_ fs.ReadDirFile = (*rDir)(nil)
)

// errIsDir is returned by Read on a directory.
var errIsDir = errors.New("is a directory")

// errNotDir is returned when a path element is not a directory.
var errNotDir = errors.New("not a directory")

// rChild finds the child named name of dir, whose Children are sorted.
func rChild(dir *tree.Node, name string) *tree.Node {
	i, ok := slices.BinarySearchFunc(dir.Children, name, func(n *tree.Node, name string) int { return strings.Compare(n.Name, name) })
	if !ok {
		return nil
	}
	return dir.Children[i]
}

// resolve finds the node at name, following symbolic links in inner
// elements and, when followLast is set, in the last one.
func (f *rFS) resolve(op, name string, followLast bool) (*tree.Node, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	root := f.s.Root
	if root == nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	stack := []*tree.Node{root}
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
		child := rChild(cur, c)
		if child == nil {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		if child.IsSymlink() && (len(rest) > 0 || followLast) {
			hops++
			if hops > rMaxSymlinkHops {
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
func (f *rFS) follow(op, name string) (*tree.Node, error) {
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
func (f *rFS) Open(name string) (fs.File, error) {
	n, err := f.follow("open", name)
	if err != nil {
		return nil, err
	}
	base := path.Base(name)
	if n.IsDir() {
		return &rDir{node: n, name: base}, nil
	}
	return &rFile{node: n, name: base, r: f.s.r}, nil
}

// Stat describes the named file, following symbolic links.
func (f *rFS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.follow("stat", name)
	if err != nil {
		return nil, err
	}
	return rInfo{n, path.Base(name)}, nil
}

// Lstat describes the named file without following a final symbolic link.
func (f *rFS) Lstat(name string) (fs.FileInfo, error) {
	n, err := f.resolve("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return rInfo{n, path.Base(name)}, nil
}

// ReadLink returns the target of the named symbolic link.
func (f *rFS) ReadLink(name string) (string, error) {
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
func (f *rFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := f.follow("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	out := make([]fs.DirEntry, len(n.Children))
	for i, c := range n.Children {
		out[i] = rInfo{c, c.Name}
	}
	return out, nil
}

// rInfo is both the fs.FileInfo and the fs.DirEntry of a Node.
type rInfo struct {
	n    *tree.Node
	name string
}

func (i rInfo) Name() string { return i.name }

// Size is the data length of a regular file and the target length of a
// symbolic link.
func (i rInfo) Size() int64 {
	switch {
	case i.n.IsRegular():
		return i.n.Size
	case i.n.IsSymlink():
		return int64(len(i.n.Target))
	}
	return 0
}
func (i rInfo) Mode() fs.FileMode          { return i.n.Mode }
func (i rInfo) ModTime() time.Time         { return i.n.ModTime }
func (i rInfo) IsDir() bool                { return i.n.IsDir() }
func (i rInfo) Sys() any                   { return i.n }
func (i rInfo) Type() fs.FileMode          { return i.n.Mode.Type() }
func (i rInfo) Info() (fs.FileInfo, error) { return i, nil }
func (i rInfo) String() string             { return fs.FormatFileInfo(i) }

// rFile is an open file other than a directory.
type rFile struct {
	node   *tree.Node
	name   string
	r      io.ReaderAt
	off    int64
	closed bool
}

func (f *rFile) Stat() (fs.FileInfo, error) {
	if f.closed {
		return nil, &fs.PathError{Op: "stat", Path: f.name, Err: fs.ErrClosed}
	}
	return rInfo{f.node, f.name}, nil
}

func (f *rFile) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

// size is the number of readable bytes: regular files only.
func (f *rFile) size() int64 {
	if f.node.IsRegular() {
		return f.node.Size
	}
	return 0
}

// ReadAt reads from the file's extents on the medium (or, for a UDF
// file whose data is not in extents, from its Source).
func (f *rFile) ReadAt(p []byte, off int64) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrInvalid}
	}
	size := f.size()
	var src io.ReaderAt
	switch s := f.node.Source.(type) {
	case tree.Bytes:
		// UDF data embedded in a file entry.
		src, size = s, min(size, int64(len(s)))
	case tree.Sparse:
		// UDF data with holes.
		src, size = s.Reader(), min(size, s.Size)
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
			m, err := f.r.ReadAt(p[n:n+int(want)], int64(e.LBA)*tree.SectorSize+(off-base))
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

func (f *rFile) Read(p []byte) (int, error) {
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

func (f *rFile) Seek(offset int64, whence int) (int64, error) {
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

// rDir is an open directory.
type rDir struct {
	node   *tree.Node
	name   string
	pos    int
	closed bool
}

func (d *rDir) Stat() (fs.FileInfo, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "stat", Path: d.name, Err: fs.ErrClosed}
	}
	return rInfo{d.node, d.name}, nil
}

func (d *rDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errIsDir}
}

func (d *rDir) Close() error {
	if d.closed {
		return &fs.PathError{Op: "close", Path: d.name, Err: fs.ErrClosed}
	}
	d.closed = true
	return nil
}

// ReadDir returns the next entries, sorted by name.
func (d *rDir) ReadDir(count int) ([]fs.DirEntry, error) {
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
	out := make([]fs.DirEntry, len(left))
	for i, c := range left {
		out[i] = rInfo{c, c.Name}
	}
	d.pos += len(left)
	return out, nil
}

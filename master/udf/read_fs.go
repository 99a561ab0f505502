package udf

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

// FS returns root, a tree the volume read, as an fs.FS whose files read
// their bytes from the medium. It implements fs.ReadDirFS, fs.StatFS and
// fs.ReadLinkFS. Open and Stat follow symbolic links inside the tree (an
// absolute target is taken from the tree's root; ".." stops at the
// root); a link that resolves to nothing opens as the link itself, with
// no bytes, so that every entry ReadDir lists can be opened.
func (v *Volume) FS(root *tree.Node) fs.FS { return &treeFS{root: root, r: v.r} }

type treeFS struct {
	root *tree.Node
	r    io.ReaderAt
}

var (
	_ fs.ReadDirFS  = (*treeFS)(nil)
	_ fs.StatFS     = (*treeFS)(nil)
	_ fs.ReadLinkFS = (*treeFS)(nil)
)

const maxFollow = 40

// resolve walks name; symbolic links on the way (and at the end when
// followLast) are followed inside the tree.
func (f *treeFS) resolve(op, name string, followLast bool) (*tree.Node, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	hops := 0
	var walk func(dir *tree.Node, dirPath string, elems []string) (*tree.Node, string, error)
	walk = func(dir *tree.Node, dirPath string, elems []string) (*tree.Node, string, error) {
		cur, curPath := dir, dirPath
		for i, e := range elems {
			if !cur.IsDir() {
				return nil, "", fs.ErrNotExist
			}
			c := cur.Child(e)
			if c == nil {
				return nil, "", fs.ErrNotExist
			}
			last := i == len(elems)-1
			if c.IsSymlink() && (!last || followLast) {
				if hops++; hops > maxFollow {
					return nil, "", errors.New("too many levels of symbolic links")
				}
				t := c.Target
				var base string
				if strings.HasPrefix(t, "/") {
					base = ""
				} else {
					base = curPath
				}
				p := path.Clean(path.Join("/", base, t))
				rest := strings.Trim(p, "/")
				var el []string
				if rest != "" {
					el = strings.Split(rest, "/")
				}
				n, np, err := walk(f.root, "", el)
				if err != nil && last {
					// A dangling link opens as itself.
					return c, path.Join(curPath, e), nil
				}
				if err != nil {
					return nil, "", err
				}
				cur, curPath = n, np
				continue
			}
			cur, curPath = c, path.Join(curPath, e)
		}
		return cur, curPath, nil
	}
	var elems []string
	if name != "." {
		elems = strings.Split(name, "/")
	}
	n, _, err := walk(f.root, "", elems)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return n, nil
}

func (f *treeFS) Open(name string) (fs.File, error) {
	n, err := f.resolve("open", name, true)
	if err != nil {
		return nil, err
	}
	info := nodeInfo{name: path.Base(name), n: n}
	if n.IsDir() {
		return &dirFile{info: info}, nil
	}
	var ra io.ReaderAt = emptyReader{}
	switch {
	case n.Source != nil:
		switch s := n.Source.(type) {
		case tree.ReaderAtSource:
			ra = s.R
		case tree.Bytes:
			ra = s
		case tree.Sparse:
			ra = s.Reader()
		}
	case len(n.Extents) > 0:
		ra = tree.ExtentReader{R: f.r, Extents: n.Extents, Size: n.Size}
	}
	return &file{info: info, SectionReader: io.NewSectionReader(ra, 0, n.Size)}, nil
}

func (f *treeFS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.resolve("stat", name, true)
	if err != nil {
		return nil, err
	}
	return nodeInfo{name: path.Base(name), n: n}, nil
}

func (f *treeFS) Lstat(name string) (fs.FileInfo, error) {
	n, err := f.resolve("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return nodeInfo{name: path.Base(name), n: n}, nil
}

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

func (f *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := f.resolve("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if !n.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return dirEntries(n), nil
}

func dirEntries(n *tree.Node) []fs.DirEntry {
	out := make([]fs.DirEntry, 0, len(n.Children))
	for _, c := range n.Children {
		out = append(out, nodeInfo{name: c.Name, n: c})
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

type emptyReader struct{}

func (emptyReader) ReadAt([]byte, int64) (int, error) { return 0, io.EOF }

type nodeInfo struct {
	name string
	n    *tree.Node
}

func (i nodeInfo) Name() string {
	if i.name == "." || i.name == "/" {
		return "."
	}
	return i.name
}
func (i nodeInfo) Size() int64 {
	if i.n.IsSymlink() {
		return int64(len(i.n.Target))
	}
	if i.n.IsRegular() {
		return i.n.Size
	}
	return 0
}
func (i nodeInfo) Mode() fs.FileMode          { return i.n.Mode }
func (i nodeInfo) ModTime() time.Time         { return i.n.ModTime }
func (i nodeInfo) IsDir() bool                { return i.n.IsDir() }
func (i nodeInfo) Sys() any                   { return i.n }
func (i nodeInfo) Type() fs.FileMode          { return i.n.Mode.Type() }
func (i nodeInfo) Info() (fs.FileInfo, error) { return i, nil }
func (i nodeInfo) String() string             { return fs.FormatFileInfo(i) }

type file struct {
	info nodeInfo
	*io.SectionReader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }

type dirFile struct {
	info    nodeInfo
	entries []fs.DirEntry
	read    bool
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}
func (d *dirFile) Close() error { return nil }

func (d *dirFile) ReadDir(count int) ([]fs.DirEntry, error) {
	if !d.read {
		d.entries, d.read = dirEntries(d.info.n), true
	}
	if count <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	c := min(count, len(d.entries))
	out := d.entries[:c]
	d.entries = d.entries[c:]
	return out, nil
}

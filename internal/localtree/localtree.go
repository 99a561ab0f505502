// Package localtree builds a tree.Node tree from a directory of the
// local file system, for mastering it as a session.
//
// Build walks the directory without following symbolic links: a link is
// recorded as a link. Regular files get a tree.FileSource, so their
// bytes are read only when the session streams. Owners and access and
// change times come from the operating system where it has them (see
// stat_unix.go); elsewhere they are zero and the writer uses its
// defaults.
//
// Files with several names in the walked tree (hard links, told by
// device and inode number where the system has them) get one
// tree.Node.Link, so the session holds their data once. Link numbers
// start at 1<<32 and are never reused in a process, so that trees of
// several walks and trees read from a disc (numbered from 1) can be
// merged without joining unrelated files. Device nodes, named pipes and
// sockets are recorded as such (Rock Ridge holds them).
package localtree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"unicode/utf8"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// nextLink numbers hard-linked files across all walks of the process.
var nextLink atomic.Uint64

func init() { nextLink.Store(1 << 32) }

// walker walks one tree, remembering the files with several links.
type walker struct {
	links map[fileID]uint64
	opts  Options
	skip  []fs.FileInfo // the files of opts.Exclude that exist
}

// Options tune a walk.
type Options struct {
	// Exclude names regular files left out of the tree wherever the
	// walk meets them, told by identity (a hard link to one is left out
	// too): the image a command writes, when it lies in its own source.
	Exclude []string
	// Excluded, if set, is told each path left out.
	Excluded func(path string)
	// Renamed, if set, is told each path whose name is not UTF-8, and
	// the name the tree gives it (tree.ValidName, made unique in its
	// directory): a session reads such a name back so, and a file given
	// under another name than it reads back would be given again by
	// every later append.
	Renamed func(path, name string)
}

// ErrExcluded: the file named as the whole walk is one it leaves out.
var ErrExcluded = errors.New("localtree: the file is left out of the walk")

func newWalker(o Options) *walker {
	w := &walker{opts: o}
	for _, p := range o.Exclude {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			w.skip = append(w.skip, fi)
		}
	}
	return w
}

// excluded reports whether fi is a file the walk leaves out.
func (w *walker) excluded(fi fs.FileInfo) bool {
	if !fi.Mode().IsRegular() {
		return false
	}
	for _, s := range w.skip {
		// The size first: on Windows SameFile opens the file.
		if fi.Size() == s.Size() && os.SameFile(fi, s) {
			return true
		}
	}
	return false
}

// Build walks dir into a tree of Nodes. The root Node has an empty name
// and the attributes of dir itself.
func Build(dir string) (*tree.Node, error) { return BuildWith(dir, Options{}) }

// BuildWith is Build with options.
func BuildWith(dir string, o Options) (*tree.Node, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("localtree: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("localtree: %q is not a directory: %w", dir, master.ErrUnsupported)
	}
	root, err := newWalker(o).node(dir, fi)
	if err != nil {
		return nil, err
	}
	root.Name = ""
	return root, nil
}

// Entry returns the Node of any file system object, named by its base
// name: a regular file, a symbolic link (not followed), or a directory
// with its whole tree.
func Entry(p string) (*tree.Node, error) { return EntryWith(p, Options{}) }

// EntryWith is Entry with options; a p that the options leave out is
// refused with ErrExcluded.
func EntryWith(p string, o Options) (*tree.Node, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, fmt.Errorf("localtree: %w", err)
	}
	w := newWalker(o)
	if w.excluded(fi) {
		return nil, fmt.Errorf("localtree: %q: %w", p, ErrExcluded)
	}
	n, err := w.node(p, fi)
	if err != nil {
		return nil, err
	}
	w.validNames(filepath.Dir(p), []*tree.Node{n})
	return n, nil
}

// node converts one file system object, recursing into directories.
func (w *walker) node(p string, fi fs.FileInfo) (*tree.Node, error) {
	n := &tree.Node{Name: fi.Name(), Mode: fi.Mode() & (fs.ModeType | fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), ModTime: fi.ModTime()}
	n.UID, n.GID, n.AccessTime, n.ChangeTime = statExtra(fi)
	id, nlink, rdev := statID(fi)
	if !fi.IsDir() && nlink > 1 && id != (fileID{}) {
		if w.links == nil {
			w.links = map[fileID]uint64{}
		}
		if w.links[id] == 0 {
			w.links[id] = nextLink.Add(1)
		}
		n.Link = w.links[id]
	}
	switch {
	case fi.IsDir():
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("localtree: read directory %q: %w", p, err)
		}
		n.Children = make([]*tree.Node, 0, len(ents))
		for _, e := range ents {
			cp := filepath.Join(p, e.Name())
			cfi, err := os.Lstat(cp)
			if err != nil {
				return nil, fmt.Errorf("localtree: %w", err)
			}
			if w.excluded(cfi) {
				if w.opts.Excluded != nil {
					w.opts.Excluded(cp)
				}
				continue
			}
			c, err := w.node(cp, cfi)
			if err != nil {
				return nil, err
			}
			n.Children = append(n.Children, c)
		}
		w.validNames(p, n.Children)
	case fi.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(p)
		if err != nil {
			return nil, fmt.Errorf("localtree: %w", err)
		}
		// A target that is not UTF-8 keeps its bytes, as Rock Ridge
		// records them (a name the walk changed is not followed into
		// targets); mastering warns of what the UDF tree holds.
		n.Target = filepath.ToSlash(t)
	case fi.Mode().IsRegular():
		n.Size = fi.Size()
		n.Source = tree.FileSource(p)
	case n.IsSpecial():
		n.Rdev = rdev
	default:
		return nil, fmt.Errorf("localtree: %q is a %v, which a disc cannot hold: %w", p, fi.Mode().Type(), master.ErrUnsupported)
	}
	return n, nil
}

// validNames gives each child of directory dir whose name is not UTF-8
// the name a session reads it back as (tree.ValidName), told to
// Options.Renamed: when another child has that name already, it gets
// the lowest free "_N" before its extension.
func (w *walker) validNames(dir string, kids []*tree.Node) {
	var odd []*tree.Node
	taken := make(map[string]bool, len(kids))
	for _, c := range kids {
		if utf8.ValidString(c.Name) {
			taken[c.Name] = true
		} else {
			odd = append(odd, c)
		}
	}
	for _, c := range odd {
		raw := c.Name
		name := tree.UniqueName(tree.ValidName(raw), 2, func(n string) bool { return taken[n] }, func(n string) bool { return len(n) <= tree.MaxName })
		taken[name] = true
		c.Name = name
		if w.opts.Renamed != nil {
			w.opts.Renamed(filepath.Join(dir, raw), name)
		}
	}
}

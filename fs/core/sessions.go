package core

import (
	"fmt"
	"io"
	iofs "io/fs"
	"strconv"
	"sync"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/staging"
)

// Sessions is the read-only view of every session of the medium, the
// control folder's sessions/N: each session is served from its
// master.Session.FS, read from the medium once and kept.
type Sessions struct {
	area *staging.Area
	mu   sync.Mutex
	open map[int]*Session
}

// NewSessions returns the sessions view of the area's medium.
func NewSessions(a *staging.Area) *Sessions {
	return &Sessions{area: a, open: map[int]*Session{}}
}

// Names lists the sessions' folder names, "1" for the oldest.
func (s *Sessions) Names() ([]string, error) {
	refs, err := s.area.Medium().Sessions()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = strconv.Itoa(r.Number)
	}
	return out, nil
}

// Open returns the session whose folder is named name; ErrNotExist for
// a name that is no session's.
func (s *Sessions) Open(name string) (*Session, error) {
	num, err := strconv.Atoi(name)
	if err != nil || num < 1 || strconv.Itoa(num) != name {
		return nil, fmt.Errorf("fs: session %q: %w", name, staging.ErrNotExist)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.open[num]; v != nil {
		return v, nil
	}
	refs, err := s.area.Medium().Sessions()
	if err != nil {
		return nil, err
	}
	if num > len(refs) {
		return nil, fmt.Errorf("fs: session %d: %w", num, staging.ErrNotExist)
	}
	ref := refs[num-1]
	if ref.FS == nil {
		return nil, fmt.Errorf("fs: session %d: the medium serves no file system view: %w", num, staging.ErrNotSupported)
	}
	fsys, err := ref.FS()
	if err != nil {
		return nil, fmt.Errorf("fs: session %d: %w", num, err)
	}
	v := &Session{Num: num, FS: fsys, links: map[uint64]uint32{}, index: map[*tree.Node]uint32{}}
	// Number every entry in the order of the walk, and count the names
	// of each hard-linked file, for Nlink.
	iofs.WalkDir(fsys, ".", func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if n, ok := info.Sys().(*tree.Node); ok {
				v.index[n] = uint32(len(v.index))
				if n.Link != 0 && !n.IsDir() {
					v.links[n.Link]++
				}
			}
		}
		return nil
	})
	s.open[num] = v
	return v, nil
}

// Session is one old session, read-only. Names are slash paths from
// the session's root, "." for the root itself, as io/fs has them.
type Session struct {
	Num   int
	FS    iofs.FS
	links map[uint64]uint32     // names of each hard-linked file
	index map[*tree.Node]uint32 // every entry's place in a walk of the session
}

// Attr is what a mount shows of an entry of an old session.
type Attr struct {
	Mode  iofs.FileMode
	UID   uint32
	GID   uint32
	Size  int64
	Nlink uint32
	// Ino is the entry's inode number, the same for as long as the
	// mount lasts (a mount's kernel may forget an entry and look it up
	// again), the same for each name of a hard-linked file, and apart
	// from the mount's entry IDs (counted from 1) and from go-fuse's
	// automatic numbers (from 1<<63): 1<<62, the session's number from
	// bit 40, and the hard link's ID, or with 1<<61 the entry's place in
	// a walk of the session.
	Ino   uint64
	Rdev  uint64
	Mtime time.Time
	Atime time.Time
	Ctime time.Time
}

// Lstat describes the entry at name, not following a final symbolic
// link.
func (v *Session) Lstat(name string) (Attr, error) {
	fi, err := iofs.Lstat(v.FS, name)
	if err != nil {
		return Attr{}, err
	}
	return v.Attr(fi), nil
}

// Attr describes an entry of the session from its FileInfo.
func (v *Session) Attr(fi iofs.FileInfo) Attr {
	a := Attr{Mode: fi.Mode(), Size: fi.Size(), Nlink: 1, Mtime: fi.ModTime()}
	if n, ok := fi.Sys().(*tree.Node); ok {
		a.UID, a.GID, a.Rdev = n.UID, n.GID, n.Rdev
		a.Atime, a.Ctime = n.AccessTime, n.ChangeTime
		if n.Link != 0 && !n.IsDir() {
			a.Nlink = v.links[n.Link]
			a.Ino = 1<<62 | uint64(v.Num)<<40 | n.Link&(1<<40-1)
		} else if i, ok := v.index[n]; ok {
			a.Ino = 1<<62 | 1<<61 | uint64(v.Num)<<40 | uint64(i)
		}
	}
	if a.Atime.IsZero() {
		a.Atime = a.Mtime
	}
	if a.Ctime.IsZero() {
		a.Ctime = a.Mtime
	}
	if fi.IsDir() {
		a.Size, a.Nlink = 2048, 2
	}
	return a
}

// ReadDir lists the directory at name, sorted by name.
func (v *Session) ReadDir(name string) ([]iofs.DirEntry, error) {
	return iofs.ReadDir(v.FS, name)
}

// ReadLink returns the target of the symbolic link at name.
func (v *Session) ReadLink(name string) (string, error) {
	return iofs.ReadLink(v.FS, name)
}

// OpenFile opens the regular file at name for reading at offsets.
func (v *Session) OpenFile(name string) (io.ReaderAt, io.Closer, error) {
	fi, err := iofs.Lstat(v.FS, name)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("fs: session %d: %s: %w", v.Num, name, staging.ErrIsDir)
	}
	f, err := v.FS.Open(name)
	if err != nil {
		return nil, nil, err
	}
	r, ok := f.(io.ReaderAt)
	if !ok {
		f.Close()
		return nil, nil, fmt.Errorf("fs: session %d: %s: no random access: %w", v.Num, name, staging.ErrNotSupported)
	}
	return r, f, nil
}

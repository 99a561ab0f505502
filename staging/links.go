package staging

import (
	"fmt"
	iofs "io/fs"
	"time"
)

// Hard links and special files.
//
// An entry is one file: its ID is its inode number, and it has a
// first name (parent, name) and, when hard-linked, further names
// (links). Every name is a key of its directory's kids. The first name
// is the one messages show; when it goes, the next name takes its
// place. Directories have exactly one name.

// linkName is a further name of a hard-linked file.
type linkName struct {
	parent *entry
	name   string
}

// linkRecord is the persistent form of a further name: the directory's
// ID and the name in it.
type linkRecord struct {
	Parent uint64 `json:"p"`
	Name   string `json:"n"`
	NameB  []byte `json:"nb,omitempty"` // Name, when it is not UTF-8
}

// nlink is the number of names of e.
func (e *entry) nlink() uint32 { return 1 + uint32(len(e.x().links)) }

// hasName reports whether e is known as name in directory d.
func (e *entry) hasName(d *entry, name string) bool {
	if e.parent == d && e.name == name {
		return true
	}
	for _, l := range e.x().links {
		if l.parent == d && l.name == name {
			return true
		}
	}
	return false
}

// moveName renames e's name (od, oldName) to (nd, newName); directory
// kids are the caller's.
func (e *entry) moveName(od *entry, oldName string, nd *entry, newName string) {
	if e.parent == od && e.name == oldName {
		e.parent, e.name = nd, newName
		return
	}
	for i, l := range e.x().links {
		if l.parent == od && l.name == oldName {
			e.more.links[i] = linkName{nd, newName} // in place: e has links, so more
			return
		}
	}
}

// dropName forgets e's name (d, name) when e has others, the next name
// taking the first one's place, and reports whether it did; the last
// name is the caller's to remove (detach). Directory kids are the
// caller's.
func (e *entry) dropName(d *entry, name string) bool {
	if len(e.x().links) == 0 {
		return false
	}
	if e.parent == d && e.name == name {
		e.parent, e.name = e.x().links[0].parent, e.x().links[0].name
		e.setLinks(append([]linkName(nil), e.x().links[1:]...))
		return true
	}
	for i, l := range e.x().links {
		if l.parent == d && l.name == name {
			e.setLinks(append(append([]linkName(nil), e.x().links[:i]...), e.x().links[i+1:]...))
			return true
		}
	}
	return false
}

// names returns a copy of e's names, to restore them if recording fails.
func (e *entry) names() (*entry, string, []linkName) {
	return e.parent, e.name, append([]linkName(nil), e.x().links...)
}

// findOpen returns an entry by ID among those with open handles: a file
// unlinked while open, or one made by CreateUnnamed.
func (a *Area) findOpen(id uint64) *entry {
	for e := range a.open {
		if e.id == id {
			return e
		}
	}
	return nil
}

// Link gives file id another name, as link(2) does. The names share
// the file's data and attributes and go to the disc as one file (one
// extent, one Rock Ridge serial number, a link count). A file without
// a name (unlinked while open, or made by CreateUnnamed) gets this one
// as its only name. Directories cannot be linked.
func (a *Area) Link(id, parent uint64, name string) (Attr, error) {
	if err := checkNewName(name); err != nil {
		return Attr{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.writable("link", name, nil); err != nil {
		return Attr{}, err
	}
	d, err := a.getDir(parent)
	if err != nil {
		return Attr{}, err
	}
	e := a.entries.get(id)
	if e == nil && !a.closed {
		e = a.findOpen(id)
	}
	if e == nil {
		return Attr{}, fmt.Errorf("staging: link %q: entry %d: %w", name, id, ErrNotExist)
	}
	if e.kids != nil {
		return Attr{}, fmt.Errorf("staging: link %q to directory %q: %w", name, a.path(e), ErrNotSupported)
	}
	if d.kids[name] != nil {
		return Attr{}, fmt.Errorf("staging: link %q in %q: %w", name, a.path(d), ErrExist)
	}
	now := StampOf(time.Now())
	oldMt, oldCt := d.mtime, e.ctime
	unnamed := e.parent == nil
	if unnamed {
		e.parent, e.name, e.mut().removed = d, name, false
		e.tidy()
		a.entries.put(e)
	} else {
		e.setLinks(append(e.x().links, linkName{d, name}))
	}
	d.setKid(name, e)
	d.mtime, d.ctime, e.ctime = now, now, now
	if err := a.record("link "+name, []*entry{e, d}, nil); err != nil {
		d.dropKid(name)
		if unnamed {
			e.parent, e.name, e.mut().removed = nil, "", true
			a.entries.del(e.id)
		} else {
			e.setLinks(e.x().links[:len(e.x().links)-1])
		}
		d.mtime, e.ctime = oldMt, oldCt
		return Attr{}, err
	}
	return a.attr(e), nil
}

// specialTypes are the file types Mknod makes.
const specialTypes = iofs.ModeDevice | iofs.ModeCharDevice | iofs.ModeNamedPipe | iofs.ModeSocket

// Mknod creates a device node (mode with iofs.ModeDevice, and
// iofs.ModeCharDevice for a character device; rdev its number as a
// Linux dev_t), a named pipe (iofs.ModeNamedPipe) or a socket
// (iofs.ModeSocket). Rock Ridge records them; a regular file or a
// directory is not made here.
func (a *Area) Mknod(parent uint64, name string, mode iofs.FileMode, rdev uint64, uid, gid uint32) (Attr, error) {
	typ := mode & specialTypes
	switch typ {
	case iofs.ModeDevice, iofs.ModeDevice | iofs.ModeCharDevice, iofs.ModeNamedPipe, iofs.ModeSocket:
	default:
		return Attr{}, fmt.Errorf("staging: mknod %q of type %v: %w", name, mode.Type(), ErrNotSupported)
	}
	if typ&iofs.ModeDevice == 0 {
		rdev = 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.getDir(parent)
	if err != nil {
		return Attr{}, err
	}
	e, err := a.newChild(d, name, typ|mode&modeBits, uid, gid)
	if err != nil {
		return Attr{}, err
	}
	e.setRdev(rdev)
	if err := a.attach("mknod "+name, d, e); err != nil {
		return Attr{}, err
	}
	return a.attr(e), nil
}
